// Tests of agent/input/regular_file: what is not a regular file is refused
// without blocking or reading, sizes are capped, read errors are errors.
#include "agent/input/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>

#include <doctest/doctest.h>

#include "tests/support/finishes_within.h"
#include "tests/support/temp_dir.h"

using agent::input::OpenRegularFile;
using agent::input::ReadRegularFile;
using agent::input::ReadToEnd;

namespace {

constexpr std::chrono::seconds kLimit{10};

}  // namespace

TEST_CASE("agent::input::ReadRegularFile") {
  test::TempDir dir;
  SUBCASE("a regular file is read whole, up to the limit exactly") {
    const std::string file = dir.Write("a.conf", "[DEFAULT]\nhost = x\n");
    auto text = ReadRegularFile(file, 19);
    REQUIRE(text.ok());
    CHECK(*text == "[DEFAULT]\nhost = x\n");
    auto empty = ReadRegularFile(dir.Write("empty", ""), 0);
    REQUIRE(empty.ok());
    CHECK(empty->empty());
  }
  SUBCASE("one byte over the limit is refused, naming the limit") {
    const std::string file = dir.Write("big", std::string(70000, 'x'));
    auto text = ReadRegularFile(file, 69999);
    REQUIRE_FALSE(text.ok());
    CHECK(text.error().code() == base::Code::kInvalidInput);
    CHECK(text.error().message() == file + ": larger than 69999 bytes");
  }
  SUBCASE("missing: NotFound with the system's words") {
    auto text = ReadRegularFile(dir.path() + "/nope", 10);
    CHECK(text.error().IsNotFound());
    CHECK(text.error().message() == dir.path() + "/nope: No such file or directory");
    const std::string file = dir.Write("f", "");
    CHECK(ReadRegularFile(file + "/below", 10).error().IsNotFound());  // ENOTDIR
  }
  SUBCASE("a directory") {
    auto text = ReadRegularFile(dir.path(), 10);
    CHECK(text.error().code() == base::Code::kInvalidInput);
    CHECK(text.error().message() == dir.path() + ": is a directory");
  }
  SUBCASE("a FIFO is refused at once, with or without a writer") {
    const std::string fifo = dir.path() + "/x.conf";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto alone = test::FinishesWithin(kLimit, "ReadRegularFile(FIFO)", [&] { return ReadRegularFile(fifo, 10); });
    CHECK(alone.error().code() == base::Code::kInvalidInput);
    CHECK(alone.error().message() == fifo + ": is a FIFO, not a regular file");
    base::UniqueFd writer(::open(fifo.c_str(), O_RDWR | O_CLOEXEC));  // a writer that never writes
    REQUIRE(writer.valid());
    auto written = test::FinishesWithin(kLimit, "ReadRegularFile(FIFO with a writer)",
                                        [&] { return ReadRegularFile(fifo, 10); });
    CHECK(written.error().message() == fifo + ": is a FIFO, not a regular file");
  }
  SUBCASE("devices are not read (/dev/zero would never end)") {
    auto zero = ReadRegularFile("/dev/zero", 1 << 20);
    CHECK(zero.error().message() == "/dev/zero: is a character device, not a regular file");
    CHECK(ReadRegularFile("/dev/null", 10).error().code() == base::Code::kInvalidInput);
  }
  SUBCASE("a read error is an error, not an empty file") {
    auto mem = ReadRegularFile("/proc/self/mem", 1 << 20);  // a regular file whose offset 0 is unmapped: EIO
    REQUIRE_FALSE(mem.ok());
    CHECK(mem.error().code() == base::Code::kUnavailable);
    CHECK(mem.error().message() == "/proc/self/mem: read error: Input/output error");
  }
  SUBCASE("a /proc file (st_size 0) is read to its end") {
    auto status = ReadRegularFile("/proc/self/status", 1 << 20);
    REQUIRE(status.ok());
    CHECK(status->find("Name:") == 0);
  }
  SUBCASE("a symbolic link to a regular file is followed; to a FIFO, refused") {
    const std::string file = dir.Write("target", "x");
    REQUIRE(::symlink(file.c_str(), (dir.path() + "/link").c_str()) == 0);
    CHECK(*ReadRegularFile(dir.path() + "/link", 10) == "x");
    REQUIRE(::mkfifo((dir.path() + "/fifo").c_str(), 0600) == 0);
    REQUIRE(::symlink((dir.path() + "/fifo").c_str(), (dir.path() + "/to-fifo").c_str()) == 0);
    CHECK(ReadRegularFile(dir.path() + "/to-fifo", 10).error().message() ==
          dir.path() + "/to-fifo: is a FIFO, not a regular file");
  }
}

TEST_CASE("agent::input::OpenRegularFile leaves a blocking descriptor") {
  test::TempDir dir;
  const std::string file = dir.Write("j", "line\n");
  auto fd = OpenRegularFile(file, O_RDWR | O_APPEND);
  REQUIRE(fd.ok());
  const int flags = ::fcntl(fd->get(), F_GETFL);
  CHECK((flags & O_NONBLOCK) == 0);
  CHECK((flags & O_APPEND) != 0);
  CHECK((::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("agent::input::ReadToEnd on a pipe stops at the limit") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  base::UniqueFd read_end(ends[0]), write_end(ends[1]);
  const std::string chunk(1000, 'x');
  REQUIRE(::write(write_end.get(), chunk.data(), chunk.size()) == 1000);
  write_end.Reset();
  CHECK(*ReadToEnd(read_end.get(), "standard input", 1000) == chunk);

  REQUIRE(::pipe(ends) == 0);
  read_end.Reset(ends[0]);
  write_end.Reset(ends[1]);
  REQUIRE(::write(write_end.get(), chunk.data(), chunk.size()) == 1000);  // the writer stays open:
  auto over = ReadToEnd(read_end.get(), "standard input", 999);         // the limit ends the read
  CHECK(over.error().message() == "standard input: larger than 999 bytes");
}
