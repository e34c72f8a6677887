/* lk_gen: realistic synthetic license records for tests, the demo and benchmarks: valid codes
 * and identity numbers, Chinese names and addresses, every entity type, business scopes from
 * short to 3,000 characters. Deterministic for a given seed. */
#ifndef LK_KIOSK_LK_GEN_H
#define LK_KIOSK_LK_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kiosk/lk_record.h"

typedef struct lk_gen {
    uint64_t state; /* xorshift state; set by lk_gen_init */
} lk_gen;

void lk_gen_init(lk_gen *g, uint64_t seed);

/* Fills a fresh record (free with lk_record_free). Record i of a seed is always the same and
 * its USCC is unique among the first 2^32 records of that seed. */
int lk_gen_record(lk_gen *g, uint64_t index, lk_record **out);

/* Writes `count` records as JSON Lines. Returns 0 or LK_EIO. */
int lk_gen_write_jsonl(FILE *f, uint64_t count, uint64_t seed);

/* A valid 18-digit resident identity number (NUL-terminated, 19 bytes). */
void lk_gen_idnum(lk_gen *g, char out[19]);
/* A valid unified social credit code (19 bytes). */
void lk_gen_uscc(lk_gen *g, uint64_t index, char out[19]);

#endif
