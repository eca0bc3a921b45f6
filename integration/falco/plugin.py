"""Kinvolk's Falco plugin as far as the tests need it: serves
seccompagentfalco.SeccompAgentFalco/PublishEvent on a unix socket and
writes every event it receives as a JSON line, flushed at once: the
request's fields, the id as the agent's trace writes it ("0x..."; a
64-bit cookie that JSON readers would round as a number), the pids as
numbers.

usage: /usr/bin/python3 plugin.py GENERATED_DIR SOCKET EVENTS_FILE

GENERATED_DIR holds the Python modules of runtime/falco/seccomp_agent_falco.proto
(falco.bats makes them with grpc_tools.protoc). Runs until SIGTERM.
"""
import json
import signal
import sys
import threading
from concurrent import futures

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
import seccomp_agent_falco_pb2 as pb  # noqa: E402
import seccomp_agent_falco_pb2_grpc as pb_grpc  # noqa: E402


class Plugin(pb_grpc.SeccompAgentFalcoServicer):
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()

    def PublishEvent(self, request, context):
        k8s = request.k8s
        event = {
            "id": hex(request.id),
            "pid": request.pid,
            "syscall": request.syscall,
            "k8s": {
                "namespace": k8s.namespace,
                "pod": k8s.pod,
                "container": k8s.container,
                "pid": k8s.pid,
                "pid_filter": k8s.pid_filter,
            },
        }
        with self.lock:
            self.out.write(json.dumps(event) + "\n")
            self.out.flush()
        return pb.PublishEventResponse()


def main():
    socket, events = sys.argv[2], sys.argv[3]
    with open(events, "a", encoding="utf-8") as out:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        pb_grpc.add_SeccompAgentFalcoServicer_to_server(Plugin(out), server)
        server.add_insecure_port("unix:" + socket)
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        server.start()
        done.wait()
        server.stop(0)


if __name__ == "__main__":
    main()
