"""Error codes of the campaign: one enumeration, one Vietnamese and one English message per code. Pure."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class CampaignErrorCode(StrEnum):
    UNIT_NOT_FOUND = "unit_not_found"
    DATE_INVALID = "date_invalid"
    NUMBER_INVALID = "number_invalid"
    CITIZEN_NOT_FOUND = "citizen_not_found"
    OUTCOME_UNKNOWN = "outcome_unknown"
    MOVED_WHERE_REQUIRED = "moved_where_required"
    DEATH_DATE_REQUIRED = "death_date_required"
    CHANGE_REFUSED = "change_refused"
    NOTE_INVALID = "note_invalid"
    TEAM_NOT_FOUND = "team_not_found"
    TEAM_BUSY = "team_busy"
    TEAM_EXISTS = "team_exists"
    SLOT_UNKNOWN = "slot_unknown"
    PLACE_INVALID = "place_invalid"
    TEAM_CODE_INVALID = "team_code_invalid"
    NOT_A_COMMUNE = "not_a_commune"
    DAY_IN_PAST = "day_in_past"
    CONDITION_UNKNOWN = "condition_unknown"
    NOTHING_TO_ASSIGN = "nothing_to_assign"
    OUTBOX_UNAVAILABLE = "outbox_unavailable"
    NO_RECIPIENTS = "no_recipients"
    MESSAGE_REFUSED = "message_refused"


MESSAGES: dict[CampaignErrorCode, tuple[str, str]] = {
    CampaignErrorCode.UNIT_NOT_FOUND: ("Không tìm thấy đơn vị hành chính {code}", "No administrative unit {code}"),
    CampaignErrorCode.DATE_INVALID: ("{value} không phải là một ngày có thật (dd/mm/yyyy)",
                                     "{value} is not a real date (dd/mm/yyyy)"),
    CampaignErrorCode.NUMBER_INVALID: ("{name} phải là một số từ {low} đến {high}",
                                       "{name} must be a number from {low} to {high}"),
    CampaignErrorCode.CITIZEN_NOT_FOUND: ("Không tìm thấy công dân", "Citizen not found"),
    CampaignErrorCode.OUTCOME_UNKNOWN: ("Kết quả thăm hộ không hợp lệ (đã thu nhận, từ chối, vắng nhà, chuyển đi, "
                                        "đã mất)", "Unknown visit outcome (enrolled, refused, absent, moved, dead)"),
    CampaignErrorCode.DEATH_DATE_REQUIRED: (
        "Ghi ngày mất (dd/mm/yyyy; không sau ngày đến nhà, không trước ngày sinh) theo giấy tờ hoặc lời người nhà",
        "Give the date of death (dd/mm/yyyy; not after the visit, not before the birth), as papers or the family say"),
    CampaignErrorCode.MOVED_WHERE_REQUIRED: ("Ghi mã đơn vị nơi công dân chuyển đến",
                                             "Give the code of the unit the citizen moved to"),
    CampaignErrorCode.CHANGE_REFUSED: ("Không gửi được đề nghị điều chỉnh: {detail_vi}",
                                       "The change request was refused: {detail_en}"),
    CampaignErrorCode.NOTE_INVALID: ("Ghi chú quá dài hoặc có ký tự không hợp lệ",
                                     "The note is too long or has invalid characters"),
    CampaignErrorCode.TEAM_NOT_FOUND: ("Không tìm thấy tổ lưu động", "Mobile team not found"),
    CampaignErrorCode.TEAM_CODE_INVALID: ("Mã tổ chỉ gồm chữ, số và dấu - . _ (tối đa 20 ký tự)",
                                          "A team code holds letters, digits and - . _ only (at most 20)"),
    CampaignErrorCode.TEAM_BUSY: ("Tổ {team} đã có lịch ngày {day} ca {slot}: một tổ không thể ở hai nơi cùng lúc",
                                  "Team {team} is already booked on {day} ({slot}): a team cannot be in two places "
                                  "at once"),
    CampaignErrorCode.TEAM_EXISTS: ("Đã có tổ mã {code}", "A team with code {code} already exists"),
    CampaignErrorCode.SLOT_UNKNOWN: ("Ca làm việc không hợp lệ", "Unknown shift"),
    CampaignErrorCode.PLACE_INVALID: ("Tên địa điểm trống, quá dài hoặc có ký tự không hợp lệ",
                                      "The place name is empty, too long or has invalid characters"),
    CampaignErrorCode.NOT_A_COMMUNE: ("Chọn một xã, phường đang có hiệu lực", "Choose a commune in force"),
    CampaignErrorCode.DAY_IN_PAST: ("Không lập lịch cho ngày đã qua", "A plan cannot be made for a past day"),
    CampaignErrorCode.CONDITION_UNKNOWN: ("Tình trạng phải là ốm hoặc khuyết tật", "The condition must be sick or disabled"),
    CampaignErrorCode.NOTHING_TO_ASSIGN: ("Không có công dân nào để giao", "No citizens to assign"),
    CampaignErrorCode.OUTBOX_UNAVAILABLE: ("Hộp thư gửi đi chưa sẵn sàng; in tờ thông báo thay thế",
                                           "The outbox is not available yet; print the flyer instead"),
    CampaignErrorCode.NO_RECIPIENTS: ("Xã này chưa có hộ gia đình nào để gửi thông báo",
                                      "This commune has no households to send the announcement to"),
    CampaignErrorCode.MESSAGE_REFUSED: ("Không xếp được thông báo vào hộp thư gửi đi: {detail_vi}",
                                        "The announcement could not be queued: {detail_en}"),
}  # fmt: skip


class CampaignError(CodedError):
    MESSAGES = MESSAGES
