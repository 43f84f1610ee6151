"""Run-time watch of this machine: camera and microphone use, packet sockets with BPF filters, hidden
listeners, masquerading processes, beaconing and exfiltration.

Sources (/proc, inotify, netlink sock_diag) feed detectors (one module each) that produce
`doorwatch.model.Event` records; `engine.Watcher` runs them, `sinks` deliver the events.
"""

from doorwatch.watch.engine import WatchOptions, Watcher
from doorwatch.watch.host import Host
from doorwatch.watch.rules import WatchRules

__all__ = ["Host", "WatchOptions", "WatchRules", "Watcher"]
