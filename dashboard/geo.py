"""Where the sister cities are, for the flow map ([latitude, longitude], WGS 84).

Sister cities carry no coordinates in the database; a city not listed here still appears in the
map's table, only without a marker.
"""

ORIGIN = [22.5431, 114.0579]  # Shenzhen

CITY_POSITIONS = {
    "milan": [45.4642, 9.1900],
    "turin": [45.0703, 7.6869],
    "busan": [35.1796, 129.0756],
    "gwangyang": [34.9407, 127.6959],
    "incheon": [37.4563, 126.7052],
    "phnom-penh": [11.5564, 104.9282],
}


def city_position(slug: str) -> list[float] | None:
    return CITY_POSITIONS.get(slug)
