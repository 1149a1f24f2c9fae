/*
 * shell_disk.h - the shell's disk commands (app=shell), over blkfront's
 * block API: list the domain's vbds, read a sector of the first as hex,
 * write text into one (flushed to the host before it says so).
 */
#ifndef GUEST_SHELL_DISK_H
#define GUEST_SHELL_DISK_H

/* Opens the domain's first vbd, if it has one (quietly otherwise). */
void shell_disk_init(void);
void shell_disk_info(void);   /* one line for `info` */
void shell_disk_list(void);
void shell_disk_read(char **words, unsigned n);
/* line is the whole command line (write SECTOR TEXT...), split in words. */
void shell_disk_write(const char *line, char **words, unsigned n);

#endif
