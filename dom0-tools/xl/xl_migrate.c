/*
 * xl_migrate.c - xl migrate and xl migrate-receive.
 */
#include "xl.h"

int main_migrate(int argc, char **argv)
{
    (void)argc;
    return xl_fail(argv[0], "not implemented yet");
}

int main_migrate_receive(int argc, char **argv)
{
    (void)argc;
    return xl_fail(argv[0], "not implemented yet");
}
