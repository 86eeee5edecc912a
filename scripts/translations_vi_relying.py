"""Vietnamese words of the relying-party pages and events (cancuoc.relying): the administrators' page of
relying parties, the API key scopes. Words other files already have are not repeated."""

VI = {
    "Tick the box to confirm: the party's key stops working at once.": "Đánh dấu ô xác nhận: khóa của đơn vị sẽ ngừng hoạt động ngay.",
    "I confirm": "Tôi xác nhận",
    "%(name)s is disabled: its key no longer works.": "Đã vô hiệu hóa %(name)s: khóa của đơn vị này không còn dùng được.",
    "API key of %(name)s": "Khóa API của %(name)s",
    "Banks, hospitals and offices that ask whether a card is valid, with an API key (POST /api/v1/status). "
    "Every query is recorded in the audit log.": (
        "Ngân hàng, bệnh viện, cơ quan hỏi một thẻ có còn hiệu lực hay không bằng khóa API "
        "(POST /api/v1/status). Mọi truy vấn đều được ghi vào nhật ký truy cập."),
    "Copy it now and hand it over securely: it is shown only once and cannot be recovered.": (
        "Hãy sao chép ngay và giao an toàn: khóa chỉ hiện một lần và không thể lấy lại."),
    "Disable": "Vô hiệu hóa",
    "Download the signed status list": "Tải danh sách trạng thái có chữ ký",
    "Key disabled": "Khóa đã bị vô hiệu hóa",
    "Key id": "Mã khóa",
    "No relying party yet.": "Chưa có đơn vị khai thác nào.",
    "Online status of one card": "Tra cứu trực tuyến trạng thái một thẻ",
    "Queries a minute": "Số truy vấn mỗi phút",
    "Register a relying party": "Đăng ký đơn vị khai thác",
    "Register and show the key": "Đăng ký và hiện khóa",
    "Registered": "Ngày đăng ký",
    "Scopes": "Phạm vi",
    "Unknown action.": "Thao tác không hợp lệ.",
}
