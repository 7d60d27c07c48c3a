"""What the local authority sees: anonymous, signed returns of counts from settings and schools,
small counts suppressed (:mod:`models.la.returns`, :mod:`models.la.suppression`), and the LA-wide
figures made from them (:mod:`models.la.insight`). No Qt, no storage."""
