/*
 * The rules' groups indexed by group name while a ruleset loads, so
 * that if_group finds its parents among the names (a few hundred)
 * instead of searching every rule's group list (thousands). Internal to
 * rule loading (rule_load.c); dropped when the set is finished.
 */
#ifndef ARX_ENGINE_RULE_GROUPS_H
#define ARX_ENGINE_RULE_GROUPS_H

#include <stddef.h>
#include <stdint.h>

struct rule_set;
struct group_index;

/* Index the rules rs->rules[..upto) not yet indexed. */
int group_index_update(struct rule_set *rs, size_t upto);

/* Index rs->rules[idx] again, after its groups changed (overwrite). */
int group_index_readd(struct rule_set *rs, size_t idx);

/*
 * The rules whose groups may match if_group pattern lc (lower case,
 * '|' alternatives, '^' anchors), as bits over rule indexes (nrules
 * bits, zeroed by the caller): a superset, each still to be checked.
 * 1 when the index cannot answer (an alternative holds a comma or is
 * empty: every rule is a candidate); 0 done; negative on error.
 */
int group_index_candidates(
    struct rule_set *rs, const char *lc, uint64_t *bits, size_t nrules);

void group_index_free(struct group_index *gi);

#endif
