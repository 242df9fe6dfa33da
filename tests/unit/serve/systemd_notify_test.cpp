#include "agent/serve/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <doctest/doctest.h>

#include "base/unique_fd.h"
#include "tests/support/temp_dir.h"

TEST_CASE("agent::serve::NotifySystemd") {
  SUBCASE("no NOTIFY_SOCKET: nothing to do") {
    ::unsetenv("NOTIFY_SOCKET");
    CHECK(agent::serve::NotifySystemd("READY=1").ok());
  }
  SUBCASE("a datagram to the socket, path or abstract name") {
    const test::TempDir dir;
    for (const std::string& name : {dir.path() + "/notify", std::string("@bdm-agent-test-") + std::to_string(::getpid())}) {
      CAPTURE(name);
      base::UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      REQUIRE(fd);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::memcpy(address.sun_path, name.data(), name.size());
      if (name[0] == '@') address.sun_path[0] = '\0';
      REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&address),
                     static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())) == 0);
      ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
      REQUIRE(agent::serve::NotifySystemd("READY=1").ok());
      char buffer[64] = {};
      CHECK(::recv(fd.get(), buffer, sizeof buffer, MSG_DONTWAIT) == 7);
      CHECK(std::string(buffer) == "READY=1");
    }
    ::setenv("NOTIFY_SOCKET", (dir.path() + "/nobody").c_str(), 1);
    CHECK(agent::serve::NotifySystemd("READY=1").code() == base::Code::kUnavailable);
    ::unsetenv("NOTIFY_SOCKET");
  }
}
