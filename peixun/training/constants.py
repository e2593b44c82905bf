"""Messages shared by the training pages and the API for refusals found before any service is called (the
services keep their own ERR_ constants beside the checks that raise them)."""

from __future__ import annotations

ERR_NOT_ENROLLED_IN = "您未报名该课次所在的培训班"
