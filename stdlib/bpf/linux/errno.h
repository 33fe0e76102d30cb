/* The errno values libbpf's usdt.bpf.h returns (it includes <linux/errno.h>; sonde
 * compiles without the kernel's UAPI headers). */
#ifndef SONDE_LINUX_ERRNO_H
#define SONDE_LINUX_ERRNO_H

#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef ESRCH
#define ESRCH 3
#endif
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef EINVAL
#define EINVAL 22
#endif

#endif
