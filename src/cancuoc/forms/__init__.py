"""The printed forms of an application under the 2024 rules, as PDF: CC01 capture sheet (phiếu thu nhận
thông tin căn cước), CC02 appointment slip (giấy hẹn trả kết quả), CC03 refusal notice (thông báo từ
chối). Pure: no Django import; each renderer takes a frozen dataclass of ``data.py`` and returns bytes.

Form codes were reassigned in 2024 (the 2015 rules called the capture sheet CC02), so every form
carries its ``FormVersion`` (``versions.py``) and prints its code and circular on the page.
"""

from .cc01 import render_capture_sheet
from .cc02 import render_appointment_slip
from .cc03 import render_refusal_notice

__all__ = ["render_appointment_slip", "render_capture_sheet", "render_refusal_notice"]
