"""Vietnamese words of the production pages (cancuoc.production): batches, quality control, dispatch and
the station's receipt of cards. Words the main file or another domain already has are not repeated."""

VI = {
    "A batch takes the province's approved applications that have no card in the making, re-issues first, then "
    "in order of submission.": "Một lô gồm các hồ sơ đã duyệt của tỉnh chưa có thẻ đang sản xuất, hồ sơ cấp lại "
                               "trước, sau đó theo thứ tự nộp.",
    'All, urgent first': 'Tất cả, khẩn trước',
    'At': 'Lúc',
    'At most (cards)': 'Tối đa (thẻ)',
    'Batch': 'Lô',
    'Batches': 'Các lô sản xuất',
    'By': 'Người thực hiện',
    'Card production': 'Sản xuất thẻ',
    'Card state': 'Trạng thái thẻ',
    'Cards already personalised are kept; the others are made, then the production file is written.':
        'Thẻ đã cá nhân hóa được giữ nguyên; các thẻ còn lại được làm tiếp, rồi ghi tệp sản xuất.',
    'Check each printed card against its faces below. A spoiled card is made again under a new serial in a '
    'follow-up batch; its serial stays recorded and is never used again.':
        'Đối chiếu từng thẻ đã in với mặt thẻ dưới đây. Thẻ hỏng được làm lại với số sê-ri mới trong lô bổ sung; '
        'số sê-ri của thẻ hỏng vẫn được lưu và không bao giờ dùng lại.',
    'Checked': 'Đã kiểm tra',
    'Closed': 'Đã đóng',
    'Could not be made': 'Không làm được',
    '(their applications wait until their data are corrected; see the reasons below)':
        '(các hồ sơ này chờ đến khi dữ liệu được sửa; xem lý do bên dưới)',
    'Create and run': 'Tạo và chạy',
    'Dispatch list': 'Danh sách giao',
    'Download': 'Tải về',
    'Follow-up batches (spoiled cards made again)': 'Lô bổ sung (làm lại thẻ hỏng)',
    'Front': 'Mặt trước',
    'Interrupted': 'Bị dừng',
    'Mark the spoiled cards first.': 'Hãy đánh dấu các thẻ hỏng trước.',
    'New batch': 'Lô mới',
    'No batch yet.': 'Chưa có lô nào.',
    'No card is waiting for quality control in this batch.': 'Không có thẻ nào của lô này đang chờ kiểm tra chất lượng.',
    'No parcel on its way to your stations.': 'Không có kiện thẻ nào đang gửi đến điểm của bạn.',
    'Normal': 'Thường',
    'Not checked': 'Chưa kiểm tra',
    'On its way': 'Đang vận chuyển',
    'Pack and dispatch the cards that passed': 'Đóng gói và gửi các thẻ đã đạt',
    'Parcel': 'Kiện thẻ',
    'Parcels': 'Các kiện thẻ',
    'Parcels for your stations': 'Kiện thẻ gửi đến điểm của bạn',
    'Passed': 'Đạt',
    'Priority': 'Mức ưu tiên',
    'Produced': 'Đã sản xuất',
    'Production file': 'Tệp sản xuất',
    'Quality control': 'Kiểm tra chất lượng',
    'Receive': 'Nhận',
    'Receive cards': 'Nhận thẻ',
    'Received': 'Đã nhận',
    'Remakes spoiled cards of': 'Làm lại thẻ hỏng của lô',
    'Run / resume': 'Chạy / chạy tiếp',
    'Scan every card of a parcel as it arrives: each becomes received at your station, ready for hand-over.':
        'Quét từng thẻ của kiện khi nhận: mỗi thẻ được ghi nhận đã về điểm của bạn, sẵn sàng trả cho công dân.',
    "Scan the card's QR code or MRZ, or type its serial": 'Quét mã QR hoặc MRZ của thẻ, hoặc gõ số sê-ri',
    'Serial': 'Số sê-ri',
    'The first %(shown)s of %(total)s cards are shown.': 'Đang hiển thị %(shown)s thẻ đầu tiên trên tổng số %(total)s.',
    'The process running this batch has stopped.': 'Tiến trình chạy lô này đã dừng.',
    'Urgent': 'Khẩn',
    'Waiting to run': 'Chờ chạy',
    'What is wrong': 'Lỗi gì',
    'parcel': 'kiện',
    'personalising': 'đang cá nhân hóa',
    'remake': 'làm lại',
    'writing the production file': 'đang ghi tệp sản xuất',
    # the audit event kind asked of audit.models (events.CARD_QC_PASSED)
    'Card passed quality control': 'Thẻ đạt kiểm tra chất lượng',
    "Personalisation machine's key installed": 'Đã cài khóa của máy cá nhân hóa',
}

PLURALS = {
    'Pass the %(n)s card still unchecked': 'Cho đạt %(n)s thẻ chưa kiểm tra',
}
