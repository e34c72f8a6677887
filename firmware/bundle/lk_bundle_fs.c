/* lk_bundle_fs: the file-system side of bundles: durable writes (write, fsync, rename, fsync
 * the folder) and the tree operations the A/B version folders need. Paths come from the kiosk
 * itself or from names lk_bundle_check_path has already accepted. */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lk_bundle_int.h"

int lk_bundle_fmt(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        if (size)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

int lk_bundle_write_header(FILE *f, const char *name, uint64_t size)
{
    size_t n = strlen(name);
    unsigned char h[8] = {(unsigned char)(n >> 8), (unsigned char)n};
    if (n == 0 || n > LK_BUNDLE_PATH_MAX || fwrite(h, 1, 2, f) != 2 || fwrite(name, 1, n, f) != n)
        return -1;
    for (int i = 0; i < 8; i++)
        h[i] = (unsigned char)(size >> (56 - 8 * i));
    return fwrite(h, 1, 8, f) == 8 ? 0 : -1;
}

int lk_bundle_fsync_tree(int dirfd)
{
    int dup_fd = dup(dirfd);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0)
            close(dup_fd);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || e->d_type != DT_DIR)
            continue;
        int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        rc = sub < 0 ? -1 : lk_bundle_fsync_tree(sub);
        if (sub >= 0)
            close(sub);
    }
    closedir(d);
    return rc == 0 ? fsync(dirfd) : rc;
}

int lk_bundle_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int lk_bundle_mkdirs(const char *path)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int lk_bundle_remove_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    char sub[1024];
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= (int)sizeof sub)
            rc = -1;
        else
            rc = lk_bundle_remove_tree(sub);
    }
    closedir(d);
    return rc == 0 ? rmdir(path) : rc;
}

int lk_bundle_link_tree(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    int rc = mkdir(dst, 0755) == 0 || errno == EEXIST ? 0 : -1;
    struct dirent *e;
    char a[1024], b[1024];
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(a, sizeof a, "%s/%s", src, e->d_name) >= (int)sizeof a ||
            snprintf(b, sizeof b, "%s/%s", dst, e->d_name) >= (int)sizeof b) {
            rc = -1;
            break;
        }
        struct stat sb;
        if (lstat(a, &sb) != 0)
            rc = -1;
        else if (S_ISDIR(sb.st_mode))
            rc = lk_bundle_link_tree(a, b);
        else if (S_ISREG(sb.st_mode) && access(b, F_OK) != 0)
            rc = link(a, b);
    }
    closedir(d);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int lk_bundle_write_file(const char *path, const void *data, size_t len, int mode)
{
    char tmp[1100], dir[1024];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp ||
        snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return -1;
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, data, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc != 0)
        unlink(tmp);
    else
        rc = lk_bundle_fsync_dir(slash ? dir : ".");
    return rc;
}

char *lk_bundle_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    int bad = !buf || ferror(f) || n > max;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int lk_bundle_copy_tail(const char *src, const char *dst, size_t max_bytes)
{
    int in = src && *src ? open(src, O_RDONLY | O_CLOEXEC) : -1;
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        if (in >= 0)
            close(in);
        return -1;
    }
    int rc = 0;
    if (in >= 0) {
        off_t end = lseek(in, 0, SEEK_END);
        off_t from = end > (off_t)max_bytes ? end - (off_t)max_bytes : 0;
        char buf[65536];
        ssize_t n;
        lseek(in, from, SEEK_SET);
        while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
            rc = write_all(out, buf, (size_t)n);
        close(in);
    }
    if (fsync(out) != 0)
        rc = -1;
    close(out);
    return rc;
}
