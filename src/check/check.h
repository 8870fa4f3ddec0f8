/*
 * arxd -t: what a start would find wrong with a loaded configuration,
 * found without starting anything. It runs the start's own checks
 * where they can run alone (the dispatcher's vetting of every response
 * program, the lookup of <user>, the ruleset loader) and adds those a
 * start finds only later or never says: every <rules_id> names a rule
 * of the loaded ruleset, every <rules_group> matches some rule (a
 * warning), every <localfile> has a file yet (a notice: arxd waits for
 * it). Each problem is logged with the file:line of its element, and
 * every one is reported, not only the first. It writes nothing.
 */
#ifndef ARX_CHECK_CHECK_H
#define ARX_CHECK_CHECK_H

#include "config/conf.h"

/* Check conf as a start of arxd (as this user) would; the number of
 * problems found (each logged as an error), 0 when it would start. */
unsigned arxd_check(const struct arx_conf *conf);

#endif
