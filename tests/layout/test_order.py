from docai.layout.order import reading_order


def _column(x0, x1, top, n, step=14):
    return [(x0, top + k * step, x1, top + k * step + 11) for k in range(n)]


def test_two_columns_left_before_right():
    left, right = _column(72, 290, 100, 5), _column(305, 523, 100, 5)
    boxes = [b for pair in zip(left, right, strict=True) for b in pair]  # interleaved, as a text layer may be
    order = reading_order(boxes)
    assert [boxes[i] for i in order] == left + right


def test_full_width_title_and_band_between_column_regions():
    title = [(72, 50, 523, 70)]
    upper = _column(72, 290, 100, 4) + _column(305, 523, 100, 4)
    wide = [(72, 170, 523, 181)]
    lower = _column(72, 290, 200, 3) + _column(305, 523, 200, 3)
    boxes = lower + wide + upper + title
    got = [boxes[i] for i in reading_order(boxes)]
    assert got == title + upper + wide + lower


def test_single_column_and_rows_left_to_right():
    boxes = [(300, 100, 400, 110), (72, 100, 200, 110), (72, 120, 400, 130)]
    assert reading_order(boxes) == [1, 0, 2]


def test_form_labels_are_not_columns():
    boxes = []
    for k in range(5):
        boxes += [(72, 100 + 20 * k, 120, 111 + 20 * k), (300, 100 + 20 * k, 340, 111 + 20 * k)]
    assert reading_order(boxes) == list(range(10))


def test_empty():
    assert reading_order([]) == []
