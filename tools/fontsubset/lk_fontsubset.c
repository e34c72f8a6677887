/* lk_fontsubset: build-time tool that cuts a Noto CJK face (found through fontconfig) down to
 * GB 2312 plus ASCII and the CJK and full-width punctuation, under a family name of its own.
 *
 * Why: cairo's PDF backend loads, parses and re-writes the whole CFF table of every embedded
 * face for every PDF (Noto CJK: 65,000 glyphs, ~20 MB), which costs ~15 ms per face per
 * licence. The same face holding ~7,500 glyphs costs a fraction of that. The renderer adds
 * these fonts to its own fontconfig configuration and the template lists the full Noto family
 * after the subset one, so pango falls back to it for any character outside GB 2312 (rare
 * characters in names and addresses): the licence is always complete, only slower.
 *
 * Usage: lk_fontsubset FAMILY STYLE NEW_FAMILY NEW_PS_NAME OUT.otf
 *   e.g. lk_fontsubset "Noto Serif CJK SC" Regular "LK GB2312 Noto Serif CJK SC"
 *        NotoSerifCJKsc-Regular-GB2312 build/fonts/lk-serif-gb2312.otf
 * Copyright, version and licence names (OFL) are kept from the source face. */
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fontconfig/fontconfig.h>
#include <hb-ot.h>
#include <hb-subset.h>
#include <hb.h>

#define MAX_NAME_UNITS 4096

/* Finds the file and face index fontconfig gives for FAMILY:style=STYLE, and insists that the
 * match really is that family (fontconfig always returns some font). */
static int find_face(const char *family, const char *style, char *path, size_t pathsz, int *index)
{
    FcPattern *p = FcPatternCreate(), *m;
    FcResult res;
    FcChar8 *file = NULL, *got = NULL;
    int ok = 0;
    FcPatternAddString(p, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddString(p, FC_STYLE, (const FcChar8 *)style);
    FcConfigSubstitute(NULL, p, FcMatchPattern);
    FcDefaultSubstitute(p);
    m = FcFontMatch(NULL, p, &res);
    if (m && FcPatternGetString(m, FC_FILE, 0, &file) == FcResultMatch &&
        FcPatternGetString(m, FC_FAMILY, 0, &got) == FcResultMatch &&
        FcPatternGetInteger(m, FC_INDEX, 0, index) == FcResultMatch) {
        ok = strcmp((const char *)got, family) == 0 &&
             (size_t)snprintf(path, pathsz, "%s", (const char *)file) < pathsz;
    }
    if (m)
        FcPatternDestroy(m);
    FcPatternDestroy(p);
    return ok ? 0 : -1;
}

/* Every code point of GB 2312 (EUC-CN rows 0xA1..0xF7, cells 0xA1..0xFE), through glibc's
 * converter rather than a table of our own. */
static int add_gb2312(hb_set_t *set)
{
    iconv_t cd = iconv_open("UTF-32LE", "EUC-CN");
    if (cd == (iconv_t)-1)
        return -1;
    for (int row = 0xa1; row <= 0xf7; row++)
        for (int cell = 0xa1; cell <= 0xfe; cell++) {
            char in[2] = {(char)row, (char)cell}, *ip = in;
            unsigned char out[4];
            char *op = (char *)out;
            size_t il = 2, ol = 4;
            iconv(cd, NULL, NULL, NULL, NULL);
            if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && ol == 0)
                hb_set_add(set, (hb_codepoint_t)out[0] | (hb_codepoint_t)out[1] << 8 |
                                    (hb_codepoint_t)out[2] << 16 | (hb_codepoint_t)out[3] << 24);
        }
    iconv_close(cd);
    return 0;
}

static void add_extras(hb_set_t *set)
{
    hb_set_add_range(set, 0x20, 0x7e);     /* ASCII: codes, URLs, dates */
    hb_set_add_range(set, 0xa0, 0xff);     /* Latin-1 */
    hb_set_add_range(set, 0x2000, 0x206f); /* general punctuation (— ‘ ’ “ ” …) */
    hb_set_add_range(set, 0x3000, 0x303f); /* CJK symbols and punctuation */
    hb_set_add_range(set, 0xff00, 0xffef); /* full-width and half-width forms */
}

typedef struct name_rec {
    unsigned id;
    uint16_t units[MAX_NAME_UNITS];
    unsigned n;
} name_rec;

static void set_ascii(name_rec *r, unsigned id, const char *s)
{
    r->id = id;
    r->n = 0;
    while (*s && r->n < MAX_NAME_UNITS)
        r->units[r->n++] = (unsigned char)*s++;
}

static void copy_name(name_rec *r, hb_face_t *src, unsigned id)
{
    unsigned len = MAX_NAME_UNITS;
    r->id = id;
    r->n = hb_ot_name_get_utf16(src, id, hb_language_from_string("en", -1), &len, r->units);
    if (r->n > len)
        r->n = len;
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

/* A format-0 'name' table with Windows/Unicode/en-US records, sorted by name id. */
static hb_blob_t *build_name_table(const name_rec *recs, unsigned n)
{
    size_t strings = 0;
    for (unsigned i = 0; i < n; i++)
        strings += recs[i].n * 2;
    size_t hdr = 6 + 12 * (size_t)n, size = hdr + strings;
    unsigned char *t = calloc(1, size);
    if (!t)
        return NULL;
    put16(t, 0);
    put16(t + 2, n);
    put16(t + 4, (unsigned)hdr);
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned char *r = t + 6 + 12 * i;
        put16(r, 3);
        put16(r + 2, 1);
        put16(r + 4, 0x409);
        put16(r + 6, recs[i].id);
        put16(r + 8, recs[i].n * 2);
        put16(r + 10, (unsigned)off);
        for (unsigned k = 0; k < recs[i].n; k++)
            put16(t + hdr + off + 2 * k, recs[i].units[k]);
        off += recs[i].n * 2;
    }
    return hb_blob_create((const char *)t, (unsigned)size, HB_MEMORY_MODE_WRITABLE, t, free);
}

static hb_blob_t *renamed_names(hb_face_t *src, const char *family, const char *style,
                                const char *ps)
{
    name_rec recs[9]; /* 74 KB: fine on the stack of a build tool */
    char full[512];
    snprintf(full, sizeof full, "%s %s", family, style);
    copy_name(&recs[0], src, HB_OT_NAME_ID_COPYRIGHT);
    set_ascii(&recs[1], HB_OT_NAME_ID_FONT_FAMILY, family);
    set_ascii(&recs[2], HB_OT_NAME_ID_FONT_SUBFAMILY, style);
    set_ascii(&recs[3], HB_OT_NAME_ID_UNIQUE_ID, ps);
    set_ascii(&recs[4], HB_OT_NAME_ID_FULL_NAME, full);
    copy_name(&recs[5], src, HB_OT_NAME_ID_VERSION_STRING);
    set_ascii(&recs[6], HB_OT_NAME_ID_POSTSCRIPT_NAME, ps);
    copy_name(&recs[7], src, HB_OT_NAME_ID_LICENSE);
    copy_name(&recs[8], src, HB_OT_NAME_ID_LICENSE_URL);
    return build_name_table(recs, 9);
}

/* The subset face with its 'name' table replaced, serialised as one OpenType file. */
static hb_blob_t *rebuild(hb_face_t *subset, hb_blob_t *name)
{
    /* The subsetter returns a builder face, which cannot list its tables: parse its bytes. */
    hb_blob_t *bytes = hb_face_reference_blob(subset);
    hb_face_t *sub = hb_face_create(bytes, 0), *b = hb_face_builder_create();
    hb_tag_t tags[64];
    unsigned n = 64;
    hb_face_get_table_tags(sub, 0, &n, tags);
    for (unsigned i = 0; i < n; i++) {
        if (tags[i] == HB_TAG('n', 'a', 'm', 'e'))
            continue;
        hb_blob_t *t = hb_face_reference_table(sub, tags[i]);
        hb_face_builder_add_table(b, tags[i], t);
        hb_blob_destroy(t);
    }
    hb_face_builder_add_table(b, HB_TAG('n', 'a', 'm', 'e'), name);
    hb_blob_t *out = hb_face_reference_blob(b);
    hb_face_destroy(b);
    hb_face_destroy(sub);
    hb_blob_destroy(bytes);
    return out;
}

static int write_blob(hb_blob_t *blob, const char *path)
{
    unsigned len;
    const char *data = hb_blob_get_data(blob, &len);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = len > 0 && fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static int subset_to(hb_face_t *face, char **argv)
{
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in || add_gb2312(hb_subset_input_unicode_set(in)) < 0) {
        hb_subset_input_destroy(in);
        return fprintf(stderr, "lk_fontsubset: no GB 2312 converter (iconv EUC-CN)\n"), -1;
    }
    add_extras(hb_subset_input_unicode_set(in));
    /* Flattened charstrings: cairo then copies no subroutines (with them a PDF still carried
     * ~100 KB of subroutine index per face and took twice as long). */
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_DESUBROUTINIZE);
    hb_face_t *sub = hb_subset_or_fail(face, in);
    hb_subset_input_destroy(in);
    if (!sub)
        return fprintf(stderr, "lk_fontsubset: subsetting failed\n"), -1;
    hb_blob_t *name = renamed_names(face, argv[3], argv[2], argv[4]);
    hb_blob_t *out = name ? rebuild(sub, name) : NULL;
    int rc = out ? write_blob(out, argv[5]) : -1;
    if (rc < 0)
        fprintf(stderr, "lk_fontsubset: cannot write %s\n", argv[5]);
    hb_blob_destroy(out);
    hb_blob_destroy(name);
    hb_face_destroy(sub);
    return rc;
}

int main(int argc, char **argv)
{
    char path[4096];
    int index = 0;
    if (argc != 6) {
        fprintf(stderr, "usage: lk_fontsubset FAMILY STYLE NEW_FAMILY NEW_PS_NAME OUT.otf\n");
        return 2;
    }
    int found = find_face(argv[1], argv[2], path, sizeof path, &index);
    FcFini(); /* fontconfig's work is done: leak checkers see only real leaks */
    if (found < 0) {
        fprintf(stderr, "lk_fontsubset: fontconfig has no %s %s (fonts-noto-cjk)\n", argv[1],
                argv[2]);
        return 1;
    }
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
    if (!blob) {
        fprintf(stderr, "lk_fontsubset: cannot read %s\n", path);
        return 1;
    }
    hb_face_t *face = hb_face_create(blob, (unsigned)index);
    int rc = subset_to(face, argv);
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    return rc < 0 ? 1 : 0;
}
