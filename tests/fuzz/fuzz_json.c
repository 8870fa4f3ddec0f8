/* Fuzz target: the JSON parser behind JSON decoders and the response
 * programs' protocol (Wazuh's JSON message on their stdin). */
#include <stdint.h>

#include "engine/event.h"
#include "engine/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event ev;

	event_init(&ev);
	(void)json_decode_event(
	    &ev, (const char *)data, size, JSON_NULL_DISCARD, size % 2 == 0);
	event_release(&ev);
	return 0;
}
