"""Static analysis of executables, scripts and firmware for backdoors and spying capabilities.

`scan_paths(paths, ScanOptions(...)) -> ScanReport` is the entry point; `load_rules()` gives the
compiled rule set; `analyse_file` analyses one file in the calling process.
"""

from doorwatch.scan.analysis import analyse_file
from doorwatch.scan.engine import ScanOptions, all_targets, scan_paths
from doorwatch.scan.rules import load_rules

__all__ = ["ScanOptions", "all_targets", "analyse_file", "load_rules", "scan_paths"]
