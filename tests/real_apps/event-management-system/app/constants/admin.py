from enum import Enum


class Admin(Enum):
    EMAIL = "maximpyanin@icloud.com"
    PHONE = "+4878787878"
