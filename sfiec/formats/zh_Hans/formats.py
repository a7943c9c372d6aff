"""Simplified Chinese numbers as Chinese business papers print them: 1,000,000.

Django's own zh_Hans format has no thousand separator, so grouped quantities (``intcomma``,
``floatformat:"g"``) would show as 1000000 in Chinese while the English pages show 1,000,000.
Only these names are overridden; dates and the rest come from Django's zh_Hans format.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
