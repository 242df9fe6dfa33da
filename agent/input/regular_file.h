// Reading a file whose path an operator gives (a connector, a config file)
// or that bdm-agent finds in a directory (a journal, a *.conf), without
// trusting what it is:
// * only a regular file is read: a directory, a FIFO, a device or a socket
//   is refused before anything is read from it;
// * opening never blocks: the file is opened with O_NONBLOCK (a FIFO without
//   a writer, a device that waits for a carrier), O_NOCTTY and O_CLOEXEC,
//   then checked with fstat; O_NONBLOCK is cleared on what is kept;
// * never more than a stated number of bytes is read (/proc files and
//   growing files included: the size fstat gives is not trusted), and a
//   read error (EIO, as from /proc/self/mem) is an error, not an end.
//
// Failures name the file and the reason, never its content:
//   NotFound      "<name>: No such file or directory" (ENOENT, ENOTDIR)
//   InvalidInput  "<name>: is a directory", "<name>: is a FIFO, not a regular
//                 file" (also a character device, a block device, a socket),
//                 "<name>: larger than <N> bytes"
//   Unavailable   "<name>: cannot open: <strerror>" (EACCES, ELOOP, ...),
//                 "<name>: read error: <strerror>"
// Callers put their own context in front ("cannot read config file ...").
//
// Thread safety: no shared state; each call uses its own descriptor.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/unique_fd.h"

namespace agent::input {

// Opens `path` with `flags` (O_RDONLY, O_RDWR | O_APPEND, ...; O_CREAT is
// not for this) and checks that it is a regular file (symbolic links are
// followed, as open(2) does).
base::Result<base::UniqueFd> OpenRegularFile(const std::string& path, int flags);

// Reads `fd` from its current offset to the end; `name` is for messages.
// Waits for data as a blocking read does: for a pipe (standard input) that
// means until the writer closes it or `max_bytes` is passed.
base::Result<std::string> ReadToEnd(int fd, std::string_view name, std::size_t max_bytes);

// OpenRegularFile(path, O_RDONLY) and ReadToEnd.
base::Result<std::string> ReadRegularFile(const std::string& path, std::size_t max_bytes);

}  // namespace agent::input
