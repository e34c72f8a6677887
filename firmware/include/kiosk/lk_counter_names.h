/* lk_counter_names: the name of every counter the diagnostics report (lk_diag_counters) reads,
 * in one place, so that the producers (the session, the print journal, the face policy) and the
 * report cannot drift apart. A counter is "<family>.<item>", items in snake_case.
 *
 * A started session ends in exactly one outcome: completed (every copy printed), abandoned (the
 * customer chose to stop: cancel, back out of the first screen, the staffed window) or failed,
 * the failure counted once under its cause. Print failures are counted per copy by the print
 * journal with the printer's cause (paper jam, out of paper...), so a session ended by the
 * printer counts as failed without a session-level cause of its own.
 *
 * Names written by earlier versions (session.started, session.<reason>, lookup.none, hyphenated
 * failures.* and face.*) are still read: lk_diag_counters maps them onto these. */
#ifndef LK_KIOSK_LK_COUNTER_NAMES_H
#define LK_KIOSK_LK_COUNTER_NAMES_H

/* Copies printed (lk_journal, one per completed copy). */
#define LK_CTR_PRINTS "prints"

/* Session outcomes (lk_session). */
#define LK_CTR_SESSIONS_STARTED   "sessions.started"
#define LK_CTR_SESSIONS_COMPLETED "sessions.completed"
#define LK_CTR_SESSIONS_ABANDONED "sessions.abandoned"
#define LK_CTR_SESSIONS_FAILED    "sessions.failed"

/* Failures by cause: the family, then the print journal's causes and the session's. */
#define LK_CTR_FAILURES             "failures."
#define LK_CTR_FAIL_PAPER_JAM       LK_CTR_FAILURES "paper_jam"
#define LK_CTR_FAIL_OUT_OF_PAPER    LK_CTR_FAILURES "out_of_paper"
#define LK_CTR_FAIL_DOOR_OPEN       LK_CTR_FAILURES "door_open"
#define LK_CTR_FAIL_PRINT_REFUSED   LK_CTR_FAILURES "print_refused"
#define LK_CTR_FAIL_PRINT_FAILED    LK_CTR_FAILURES "print_failed"
#define LK_CTR_FAIL_PRINT_UNCERTAIN LK_CTR_FAILURES "print_uncertain"
#define LK_CTR_FAIL_TIMEOUT         LK_CTR_FAILURES "timeout"
#define LK_CTR_FAIL_CARD_REMOVED    LK_CTR_FAILURES "card_removed"
#define LK_CTR_FAIL_READ_FAILED     LK_CTR_FAILURES "read_failed"
#define LK_CTR_FAIL_WRONG_DOCUMENT  LK_CTR_FAILURES "wrong_document"
#define LK_CTR_FAIL_FACE_FAILED     LK_CTR_FAILURES "face_failed"
#define LK_CTR_FAIL_FACE_ERROR      LK_CTR_FAILURES "face_error"
#define LK_CTR_FAIL_NOT_FOUND       LK_CTR_FAILURES "not_found"
#define LK_CTR_FAIL_NOT_AUTHORISED  LK_CTR_FAILURES "not_authorised"
#define LK_CTR_FAIL_REVOKED         LK_CTR_FAILURES "revoked"
#define LK_CTR_FAIL_SYSTEM          LK_CTR_FAILURES "system"

/* Face-check outcomes, one per attempt (the session, lk_face_check_audit). */
#define LK_CTR_FACE             "face."
#define LK_CTR_FACE_MATCH       LK_CTR_FACE "match"
#define LK_CTR_FACE_NO_MATCH    LK_CTR_FACE "no_match"
#define LK_CTR_FACE_NO_LIVENESS LK_CTR_FACE "no_liveness"
#define LK_CTR_FACE_NO_FACE     LK_CTR_FACE "no_face"
#define LK_CTR_FACE_ERROR       LK_CTR_FACE "error"

/* Ratings, the five levels of the rating screen (LK_INTENT_RATE 1..5, best first). */
#define LK_CTR_RATING                   "rating."
#define LK_CTR_RATING_VERY_SATISFIED    LK_CTR_RATING "very_satisfied"
#define LK_CTR_RATING_SATISFIED         LK_CTR_RATING "satisfied"
#define LK_CTR_RATING_BASIC             LK_CTR_RATING "basic"
#define LK_CTR_RATING_DISSATISFIED      LK_CTR_RATING "dissatisfied"
#define LK_CTR_RATING_VERY_DISSATISFIED LK_CTR_RATING "very_dissatisfied"

/* Device statistics the session keeps beside the report (not shown by it). */
#define LK_CTR_READER_OK       "reader.ok"
#define LK_CTR_LOOKUP_REVOKED  "lookup.revoked"
#define LK_CTR_PRINT_COMPLETED "print.completed"
#define LK_CTR_PRINT_FAILED    "print.failed"
#define LK_CTR_PRINT_REFUSED   "print.refused_revoked"

#endif
