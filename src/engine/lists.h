/*
 * CDB lists (Wazuh <list>): text files of "key:value" lines (a key or value
 * may be double-quoted to hold ':'), loaded into hash tables, and the six
 * lookups rules use on them. A list set is immutable once the ruleset is
 * built.
 */
#ifndef ARX_ENGINE_LISTS_H
#define ARX_ENGINE_LISTS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/pattern.h"

#define LIST_MAX_ENTRIES 4000000

enum list_lookup {
	LIST_MATCH_KEY = 0,
	LIST_NOT_MATCH_KEY,
	LIST_MATCH_KEY_VALUE,
	LIST_ADDRESS_MATCH_KEY,
	LIST_NOT_ADDRESS_MATCH_KEY,
	LIST_ADDRESS_MATCH_KEY_VALUE,
};

struct cdb_list;
struct list_set;

struct list_set *list_set_new(void);
void list_set_free(struct list_set *ls);
/* Load the text list at path. 0, or a negative code (logged, file:line). */
int list_set_load(struct list_set *ls, const char *path);
/*
 * The list a rule names: "etc/lists/x" (Wazuh's way) finds a loaded list
 * whose path ends in "lists/x"; an exact path also works. NULL if none.
 */
const struct cdb_list *list_set_find(
    const struct list_set *ls, const char *ref);
/* Parse a lookup attribute value; -1 if unknown. */
int list_lookup_parse(const char *s);

/*
 * Apply lookup to key[0..len). check_value (PAT_NONE: any) is matched
 * against the stored value by the *_value lookups.
 */
bool list_match(const struct cdb_list *l, enum list_lookup lookup,
    const char *key, size_t len, const struct pattern *check_value,
    struct pattern_scratch *scratch);
size_t list_size(const struct cdb_list *l);

#endif
