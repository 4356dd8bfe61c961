"""How the hall stores passwords: Argon2id with parameters chosen for a web server.

Django's default Argon2 (m = 100 MiB, t = 2, p = 8) reserves 100 MiB for every password check:
four sign-ins at once add 400 MiB to a worker, and a burst of sign-ins becomes a memory attack.
The hall uses OWASP's Password Storage Cheat Sheet recommendation for Argon2id instead, the
first of its equivalent options: **m = 19 MiB (19,456 KiB), t = 2, p = 1**
(https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id).
RFC 9106 §4's second recommended option (m = 64 MiB, t = 3, p = 4) costs more than three times
the memory per check for a comparable resistance on a server that verifies many passwords at
once. Measured with ``benchmarks/argon2_cost.py`` (numbers in benchmarks/README.md).

The algorithm name stays ``argon2``: a hash stored with other parameters still verifies
(they are encoded in it), and Django rehashes it with these on the user's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class HallArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19_456  # KiB = 19 MiB
    parallelism = 1
