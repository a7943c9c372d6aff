"""Pages of the intake, one module per audience.

``public``: the offer form and the spreadsheet import, for anyone; ``partner``: a partner's own
offers; ``staff``: review and warehouse intake; ``shared``: what staff and the owning partner
both reach (attachment downloads) and the lookups the others use. Each view states who may use
it; state changes go through ``donations.services``.
"""
