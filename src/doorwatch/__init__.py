"""doorwatch: audit machines, executables, firmware and traffic for hidden backdoors,
spying capabilities and components of unapproved origin."""

__version__ = "0.1.0"
