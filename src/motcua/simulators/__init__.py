"""National-systems simulator: stand-ins for the systems a province connects to.

`motcua simulate` serves them on their own port (default 127.0.0.1:8900), without Django
or a database, so it can run beside any Motcua. Each system (DVCQG, VNeID, later the payment
platform, the postal operator, the SMS gateway) is one module registered in `base.SYSTEMS`;
the control API under /_control/ makes them misbehave and shows what they received.
See docs/simulator.md.
"""
