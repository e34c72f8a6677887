/* lk_docreader_pair: one document reader made of two, as a lobby kiosk is built: the SAM
 * reader for resident ID cards and the NFC reader for passports and travel permits. read()
 * goes to the reader of the kind asked for; the session never knows there are two.
 *
 * Presence: each reader reports only its own antenna, and a SAM reader that sees no card
 * would otherwise "remove" a passport being read on the NFC reader. So only the reader of the
 * latest read() is heard; before the first read neither is (the session acts on removals
 * only after a read has begun). Service cards are watched on every reader that can see them.
 * state() is the worse of the two (a fault on either is a fault: half the documents cannot
 * be read). The pair owns both readers and closes them. */
#ifndef LK_KIOSK_PORT_LK_DOCREADER_PAIR_H
#define LK_KIOSK_PORT_LK_DOCREADER_PAIR_H

#include "kiosk/port/lk_docreader.h"

/* resident: reads LK_DOC_RESIDENT_ID; passport: reads LK_DOC_PASSPORT. Both must be non-NULL
 * and distinct. On failure neither is closed (the caller still owns them). */
int lk_docreader_pair_create(lk_docreader *resident, lk_docreader *passport, lk_docreader **out,
                             lk_err *err);

#endif
