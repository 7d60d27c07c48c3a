"""The local authority's mode of the window: returns from settings and schools, verified and
added up (:mod:`ui.la.page`, :mod:`ui.la.window`). It opens no vault and shows no child."""
