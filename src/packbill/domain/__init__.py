"""packbill's billing core: the rules as pure functions, with no I/O and no clock.

This package has no face: import what you need from its modules (``domain.settlement``,
``domain.wallet``, ...), as every other module does."""
