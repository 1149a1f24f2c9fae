/*
 * xenstore_test.c - app=xenstore-test: the guest's xenstore client against
 * xenstored over the ring: reads what the toolstack wrote, writes and
 * reads back in its own area, is refused where it may not write or read,
 * sees a watch fire, and resets its ring with the reconnect handshake.
 * One PASS/FAIL line each.
 */
#include "kernel/errno.h"
#include "kernel/kernel.h"
#include "kernel/lib.h"
#include "xenbus.h"

static int passed, failed;

static void check(const char *name, int ok)
{
    if (ok)
        passed++;
    else
        failed++;
    printf("%s %s\n", ok ? "PASS" : "FAIL", name);
}

int app_xenstore_test(void)
{
    char buf[256], path[128];
    int rc = xenbus_init();
    check("xenbus ring from HVM params", rc == 0);
    if (rc < 0)
        return 1;
    rc = xenbus_read("domid", buf, sizeof(buf));
    uint64_t domid;
    check("relative read of domid", rc > 0 && parse_u64(buf, &domid) == 0 && domid == boot.domid);
    check("name written by the toolstack", xenbus_read("name", buf, sizeof(buf)) > 0);
    printf("xenstore-test: I am '%s'\n", buf);
    check("write in data/", xenbus_write("data/greeting", "hello from the guest") == 0);
    rc = xenbus_read("data/greeting", buf, sizeof(buf));
    check("read back", rc == 20 && strcmp(buf, "hello from the guest") == 0);
    check("missing key is ENOENT", xenbus_read("data/nothing-here", buf, sizeof(buf)) == -ENOENT);
    check("writing the toolstack's name is EACCES", xenbus_write("name", "evil") == -EACCES);
    check("reading Dom0's tree is EACCES", xenbus_read("/local/domain/0/name", buf, sizeof(buf)) == -EACCES ||
                                           xenbus_read("/local/domain/0/name", buf, sizeof(buf)) == -ENOENT);
    check("watch data/flag", xenbus_watch("data/flag", "flagtok") == 0);
    check("the watch fires on registration",
          xenbus_wait_watch("flagtok", path, sizeof(path), 2000000000ull) == 0);
    check("write data/flag", xenbus_write("data/flag", "1") == 0);
    check("the watch fires on a change", xenbus_wait_watch("flagtok", path, sizeof(path), 2000000000ull) == 0 &&
                                             strstr(path, "data/flag") != 0);
    check("rm data/flag", xenbus_rm("data/flag") == 0);
    /* Reconnect with a watch registered: afterwards requests work and the
     * watch is gone. */
    check("watch data/again", xenbus_watch("data/again", "againtok") == 0 &&
                                  xenbus_wait_watch("againtok", path, sizeof(path), 2000000000ull) == 0);
    check("ring reconnect handshake", xenbus_reconnect() == 0);
    rc = xenbus_read("domid", buf, sizeof(buf));
    check("read after the reconnect", rc > 0 && parse_u64(buf, &domid) == 0 && domid == boot.domid);
    check("write data/again after the reconnect", xenbus_write("data/again", "x") == 0);
    check("the reconnect dropped the watch",
          xenbus_wait_watch("againtok", path, sizeof(path), 300000000ull) == -ETIME);
    printf("xenstore-test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
