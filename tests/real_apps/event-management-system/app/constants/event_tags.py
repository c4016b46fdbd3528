from enum import Enum


class EventTags(Enum):
    CONCERT = "CONCERT"
    BALLET = "BALLET"
    FOOTBALL = "FOOTBALL"
