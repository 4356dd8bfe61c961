"""The agency's rules, as pure functions of (parameters, inputs).

Every rule takes policy parameters as :class:`~shebao.common.trace.Param` values (a value with
its provenance) and plain inputs (``Decimal``, ``int``, :class:`~shebao.common.periods.YearMonth`,
``date``), and returns a frozen result whose amounts are ``Decimal`` and whose ``trace`` says how
each amount was reached (DESIGN.md principles 1–3). Rules never read the database, never read
settings and never round except through :func:`shebao.common.money.quantize` with a rounding
parameter from policy. A float given as money raises ``TypeError``.

Most rules take a mapping ``params`` from parameter key (see :mod:`shebao.policy.schema`) to
``Param``; each module lists the keys it reads in ``KEYS`` (always needed) and ``OPTIONAL_KEYS``
(read when present, or only in some cases) so that a caller can resolve exactly those. Rules that
need a parameter over a period (late-fee daily rates, yearly crediting rates) take that series as
a list of ``Param``.

These functions are the only copy of each rule: the public calculators, bills, benefits and the
true-up after a provisional parameter becomes final all call them.

Modules: :mod:`.contribution` (base clamp, contribution lines), :mod:`.flexible` (flexible-
employment grades), :mod:`.latefee`, :mod:`.backpay` (back-payment interest, Tianjin method),
:mod:`.account` (personal-account interest), :mod:`.unemployment`, :mod:`.retirement`,
:mod:`.pension`, :mod:`.death`, :mod:`.transfer`, :mod:`.payday`.
"""
