// face-opencv.so: the reference face plug-in, on OpenCV from Debian. A reference for vendors
// and for the demo, NOT a production matcher: it has no liveness detection and its accuracy
// is unmeasured (README, "Face check").
//
// Pipeline per verify: decode (JPEG/PNG via imdecode, or raw GRAY8/RGB24), grey + histogram
// equalisation, the largest frontal face by Haar cascade (opencv-data), alignment by the eye
// cascade (rotate so the eyes are level) and a 100 x 100 crop, then LBPH (contrib face module)
// trained on the ID photo alone and asked about each live frame; the smallest LBPH distance
// wins. Score = 100 * exp(-distance / 100) on 0..100; recommended threshold 50 (an untuned
// guess, distance ~69). Quality flags report no face, several faces, darkness, blur, size.
//
// Configuration: `cascade=PATH eyes=PATH` override the cascade files; `min_face=N` the
// smallest face side in pixels (default 40). C++ exceptions never cross the C ABI.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/face.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "lk_plugin_face.h"

namespace
{

constexpr int kFace = 100;

struct Ctx {
    cv::CascadeClassifier faces, eyes;
    int min_face = 40;
};

struct Found {
    cv::Mat face; // kFace x kFace grey, aligned
    uint32_t quality = 0;
};

int32_t fail(lk_plugin_error *err, int32_t code, int32_t native, const char *msg)
{
    if (err && err->size >= sizeof *err) {
        err->native = native;
        std::snprintf(err->message, sizeof err->message, "%s", msg);
    }
    return code;
}

// Zeroes a Mat's pixels before it is released: face images must not linger in freed memory.
void wipe(cv::Mat &m)
{
    if (!m.empty())
        m.setTo(cv::Scalar::all(0));
    m.release();
}

cv::Mat to_grey(const lk_plugin_face_image *im)
{
    cv::Mat grey;
    if (!im || !im->data || im->len == 0)
        return grey;
    if (im->format == LK_FACE_FMT_ENCODED) {
        cv::Mat raw(1, static_cast<int>(im->len), CV_8U, const_cast<uint8_t *>(im->data));
        grey = cv::imdecode(raw, cv::IMREAD_GRAYSCALE);
    } else if (im->format == LK_FACE_FMT_GRAY8 || im->format == LK_FACE_FMT_RGB24) {
        int type = im->format == LK_FACE_FMT_GRAY8 ? CV_8UC1 : CV_8UC3;
        size_t need = static_cast<size_t>(im->stride) * im->height;
        if (im->width == 0 || im->height == 0 || need > im->len)
            return grey;
        cv::Mat view(static_cast<int>(im->height), static_cast<int>(im->width), type,
                     const_cast<uint8_t *>(im->data), im->stride);
        if (type == CV_8UC3)
            cv::cvtColor(view, grey, cv::COLOR_RGB2GRAY);
        else
            grey = view.clone();
    }
    return grey;
}

uint32_t light_and_blur(const cv::Mat &grey_face)
{
    uint32_t q = 0;
    double mean = cv::mean(grey_face)[0];
    if (mean < 50)
        q |= LK_FACE_Q_TOO_DARK;
    if (mean > 205)
        q |= LK_FACE_Q_TOO_BRIGHT;
    cv::Mat lap;
    cv::Laplacian(grey_face, lap, CV_64F);
    cv::Scalar mu, sigma;
    cv::meanStdDev(lap, mu, sigma);
    if (sigma[0] * sigma[0] < 20)
        q |= LK_FACE_Q_BLURRED;
    return q;
}

// Rotates the face crop so the two eyes found are level; leaves it alone otherwise.
cv::Mat align(Ctx &c, const cv::Mat &crop)
{
    std::vector<cv::Rect> e;
    cv::Mat top = crop(cv::Rect(0, 0, crop.cols, crop.rows / 2));
    c.eyes.detectMultiScale(top, e, 1.1, 4, 0, cv::Size(crop.cols / 8, crop.rows / 8));
    cv::Mat out;
    if (e.size() == 2) {
        cv::Point2f a(e[0].x + e[0].width / 2.f, e[0].y + e[0].height / 2.f);
        cv::Point2f b(e[1].x + e[1].width / 2.f, e[1].y + e[1].height / 2.f);
        if (a.x > b.x)
            std::swap(a, b);
        double angle = std::atan2(b.y - a.y, b.x - a.x) * 180.0 / CV_PI;
        cv::Mat rot = cv::getRotationMatrix2D((a + b) * 0.5f, angle, 1.0);
        cv::warpAffine(crop, out, rot, crop.size());
    } else {
        out = crop.clone();
    }
    cv::Mat sized;
    cv::resize(out, sized, cv::Size(kFace, kFace));
    wipe(out);
    return sized;
}

Found find_face(Ctx &c, const lk_plugin_face_image *im, uint32_t no_face)
{
    Found f;
    cv::Mat grey = to_grey(im);
    if (grey.empty()) {
        f.quality = no_face | LK_FACE_Q_ID_PHOTO_POOR;
        return f;
    }
    cv::Mat eq;
    cv::equalizeHist(grey, eq);
    std::vector<cv::Rect> found;
    c.faces.detectMultiScale(eq, found, 1.1, 4, 0, cv::Size(c.min_face, c.min_face));
    if (found.empty()) {
        f.quality = no_face;
    } else {
        if (found.size() > 1)
            f.quality |= LK_FACE_Q_MULTIPLE_FACES;
        cv::Rect big = found[0];
        for (const auto &r : found)
            if (r.area() > big.area())
                big = r;
        if (big.width < 2 * c.min_face)
            f.quality |= LK_FACE_Q_FACE_TOO_SMALL;
        f.quality |= light_and_blur(grey(big));
        cv::Mat crop = eq(big).clone();
        f.face = align(c, crop);
        wipe(crop);
    }
    wipe(eq);
    wipe(grey);
    return f;
}

int32_t verify_impl(Ctx &c, const lk_plugin_face_image *id, const lk_plugin_face_image *live,
                    uint32_t n, lk_plugin_face_result *r)
{
    r->liveness = LK_FACE_LIVENESS_NOT_CHECKED;
    r->vendor_threshold = 50.0;
    r->score = 0.0;
    r->best_frame = 0;
    Found ref = find_face(c, id, LK_FACE_Q_NO_FACE_ID);
    r->quality = ref.quality & (LK_FACE_Q_NO_FACE_ID | LK_FACE_Q_ID_PHOTO_POOR);
    if (ref.face.empty())
        return LK_PLUGIN_OK; // an answer: nothing to compare with
    cv::Ptr<cv::face::LBPHFaceRecognizer> model = cv::face::LBPHFaceRecognizer::create();
    model->train(std::vector<cv::Mat>{ref.face}, std::vector<int>{1});
    double best = -1;
    uint32_t live_q = LK_FACE_Q_NO_FACE_LIVE, best_q = 0;
    for (uint32_t i = 0; i < n; i++) {
        Found f = find_face(c, &live[i], LK_FACE_Q_NO_FACE_LIVE);
        if (f.face.empty())
            continue;
        live_q = 0;
        int label = -1;
        double distance = 0;
        model->predict(f.face, label, distance);
        if (best < 0 || distance < best) {
            best = distance;
            r->best_frame = i;
            best_q = f.quality;
        }
        wipe(f.face);
    }
    wipe(ref.face);
    model.release(); // the LBPH histograms are a template: gone with the model
    r->quality |= best < 0 ? live_q : best_q;
    if (best >= 0)
        r->score = 100.0 * std::exp(-best / 100.0);
    return LK_PLUGIN_OK;
}

std::string option(const std::string &cfg, const std::string &key, const std::string &dflt)
{
    size_t at = cfg.find(key + "=");
    if (at == std::string::npos || (at > 0 && cfg[at - 1] != ' ' && cfg[at - 1] != ';'))
        return dflt;
    size_t from = at + key.size() + 1, to = cfg.find_first_of("; ", from);
    return cfg.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

int32_t cv_open(const lk_plugin_host_api *, const char *config, void **out, lk_plugin_error *err)
{
    try {
        cv::setNumThreads(1); // predictable memory under the host's limit
        std::string cfg = config ? config : "";
        Ctx *c = new Ctx;
        c->min_face = std::max(16, std::atoi(option(cfg, "min_face", "40").c_str()));
        if (!c->faces.load(option(cfg, "cascade", LK_FACE_CASCADE)) ||
            !c->eyes.load(option(cfg, "eyes", LK_EYE_CASCADE))) {
            delete c;
            return fail(err, LK_PLUGIN_EINVAL, 2, "cannot load the Haar cascades");
        }
        *out = c;
        return LK_PLUGIN_OK;
    } catch (const std::bad_alloc &) {
        return fail(err, LK_PLUGIN_ENOMEM, 0, "out of memory");
    } catch (const std::exception &e) {
        return fail(err, LK_PLUGIN_EINTERNAL, 1, e.what());
    }
}

int32_t cv_verify(void *ctx, const lk_plugin_face_image *id, const lk_plugin_face_image *live,
                  uint32_t n, lk_plugin_face_result *r, lk_plugin_error *err)
{
    if (!ctx || !id || !live || n == 0 || !r || r->size < sizeof *r)
        return fail(err, LK_PLUGIN_EINVAL, 0, "missing image or result");
    try {
        return verify_impl(*static_cast<Ctx *>(ctx), id, live, n, r);
    } catch (const std::bad_alloc &) {
        return fail(err, LK_PLUGIN_ENOMEM, 0, "out of memory");
    } catch (const cv::Exception &e) {
        return fail(err, LK_PLUGIN_EBADIMAGE, e.code, e.what());
    } catch (const std::exception &e) {
        return fail(err, LK_PLUGIN_EINTERNAL, 1, e.what());
    }
}

void cv_close(void *ctx)
{
    delete static_cast<Ctx *>(ctx);
}

const lk_plugin_face_ops ops = {sizeof(lk_plugin_face_ops), cv_open, cv_verify, cv_close};

const lk_plugin_face_desc desc = {sizeof(lk_plugin_face_desc),
                                  LK_PLUGIN_MAGIC,
                                  LK_PLUGIN_KIND_FACE,
                                  LK_PLUGIN_FACE_ABI_MAJOR,
                                  LK_PLUGIN_FACE_ABI_MINOR,
                                  "face-opencv",
                                  "licensekiosk (reference, OpenCV " CV_VERSION ")",
                                  "0.1.0",
                                  &ops};

} // namespace

extern "C" const lk_plugin_face_desc *lk_plugin_face_entry_v1(void)
{
    return &desc;
}
