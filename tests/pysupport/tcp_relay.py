"""TcpRelay: a TCP relay to a broker that a test owns, for fault injection
the shared stack's broker must not suffer (other people use it): while
`refusing` is set, new connections are closed at once; cut() also closes
every relayed connection (both ends, as a dying broker's host would).
Used by tests/cli (serve across a "broker restart") and tests/wire (the RPC
client across a real one). Import it after adding tests/pysupport to
sys.path (tests/cli/serve_support.py and tests/wire do)."""
import socket
import threading


class TcpRelay:
    def __init__(self, host, port):
        self.upstream = (host, port)
        self.refusing = False
        self.accepted = 0
        self.closed = False
        self.lock = threading.Lock()
        self.pairs = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, server))
                self.accepted += 1
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        """Closes every relayed connection and refuses new ones until restore()."""
        self.refusing = True
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def restore(self):
        self.refusing = False

    def close(self):
        self.closed = True
        self.listener.close()
