from pathlib import Path

import numpy as np
import pytest

from pxocr.errors import ModelError
from pxocr.infer import Predictor
from pxocr.infer.windows import INK_MARGIN, ink_window


def test_ink_window_blank_and_dot():
    page = np.full((640, 480), 250, np.uint8)
    y0, y1, x0, x1 = ink_window(page)
    assert y1 <= y0
    page[300:303, 200:204] = 20
    y0, y1, x0, x1 = ink_window(page)
    assert (y0 % 16, x0 % 16) == (0, 0)
    assert y0 <= 300 - INK_MARGIN < y0 + 16 and x0 <= 200 - INK_MARGIN < x0 + 16
    assert (y1, x1) == (303 + INK_MARGIN, 204 + INK_MARGIN)


def test_blank_page_reads_empty():
    page = Predictor().predict(np.full((200, 300), 255, np.uint8))
    assert (page.width, page.height, page.lines) == (300, 200, [])


def test_model_with_unusable_decode_settings_is_a_model_error(tmp_path):
    import json

    import onnx
    import pytest

    from pxocr.errors import ModelError
    from pxocr.infer.predictor import default_model_path

    m = onnx.load(default_model_path())
    meta = next(p for p in m.metadata_props if p.key == "pxocr")
    settings = json.loads(meta.value)
    settings["decode"]["geometry"] = [[0.5, 0.7, 0.0]]  # one row of three, not 94 of four
    meta.value = json.dumps(settings)
    path = tmp_path / "bad.onnx"
    onnx.save(m, str(path))
    with pytest.raises(ModelError, match="decode settings"):
        Predictor(str(path))


def test_model_from_an_older_export_is_a_model_error(tmp_path):
    import json

    import onnx
    import pytest

    from pxocr.errors import ModelError
    from pxocr.infer.predictor import default_model_path

    m = onnx.load(default_model_path())
    meta = next(p for p in m.metadata_props if p.key == "pxocr")
    settings = json.loads(meta.value)
    del settings["classifier"]  # before the class logits moved out of the graph
    meta.value = json.dumps(settings)
    path = tmp_path / "old.onnx"
    onnx.save(m, str(path))
    with pytest.raises(ModelError, match="export it again"):
        Predictor(str(path))
    for bad in ({"weight": [[1.0, 2.0]], "bias": "x"}, {"weight": [[1.0, 2.0]], "bias": [0.0]}):
        settings["classifier"] = bad
        meta.value = json.dumps(settings)
        onnx.save(m, str(path))
        with pytest.raises(ModelError, match="class weights"):
            Predictor(str(path))


def test_model_without_or_with_another_layout_is_a_model_error(tmp_path):
    """The output layout (pxocr.contract) travels in the model: a model that records none, or
    another, is refused with one line (exit code 5 from the CLI), never read wrongly."""
    import json

    import onnx
    import pytest

    from pxocr.cli import main
    from pxocr.errors import ModelError
    from pxocr.infer.predictor import default_model_path

    m = onnx.load(default_model_path())
    meta = next(p for p in m.metadata_props if p.key == "pxocr")
    settings = json.loads(meta.value)
    for change, message in ((lambda s: s.pop("layout"), "records no output layout"),
                            (lambda s: s["layout"].update(cls_start=8), "differs from this pxocr's in cls_start")):
        bad = json.loads(json.dumps(settings))
        change(bad)
        meta.value = json.dumps(bad)
        path = tmp_path / "bad.onnx"
        onnx.save(m, str(path))
        with pytest.raises(ModelError, match=message):
            Predictor(str(path))
    sample = Path(__file__).parent.parent / "pxocr" / "samples" / "sample.png"
    assert main(["read", str(sample), "--model", str(path)]) == 5



def test_shipped_models_by_name():
    from pxocr.infer.predictor import SHIPPED, default_model_path, resolve_model

    assert resolve_model(None) == default_model_path() == resolve_model("ocrb")
    assert resolve_model("some/file.onnx") == "some/file.onnx"
    for name in SHIPPED:
        assert Path(resolve_model(name)).is_file(), name  # every named model ships in the package


@pytest.mark.parametrize("value, message", [("{not json", "not JSON"), ("[1, 2]", "not a JSON object"),
                                            ('{"layout": 3}', "layout")])
def test_unreadable_metadata_is_a_model_error(value, message, tmp_path):
    import onnx

    from pxocr.errors import ModelError
    from pxocr.infer.predictor import default_model_path

    m = onnx.load(default_model_path())
    next(p for p in m.metadata_props if p.key == "pxocr").value = value
    path = tmp_path / "bad.onnx"
    onnx.save(m, str(path))
    with pytest.raises(ModelError, match=message):
        Predictor(str(path))


def _model_with_meta(tmp_path, **sections) -> str:
    import json

    import onnx

    from pxocr.infer.predictor import default_model_path

    m = onnx.load(default_model_path())
    meta = next(p for p in m.metadata_props if p.key == "pxocr")
    settings = json.loads(meta.value)
    settings.update(sections)
    meta.value = json.dumps(settings)
    path = tmp_path / "model.onnx"
    onnx.save(m, str(path))
    return str(path)


def test_a_model_gives_the_zoom_and_capture_settings_it_reads_best_with(tmp_path):
    from pxocr.infer.capture import CaptureConfig
    from pxocr.infer.zoom import ZoomConfig

    path = _model_with_meta(tmp_path, zoom={"below_em": 0}, capture={"em_range": [24, 48], "small_to_em": 26})
    p = Predictor(path)
    assert p.zoom.below_em == 0 and p.capture.em_range == (24, 48) and p.capture.small_to_em == 26
    assert Predictor(path, zoom=ZoomConfig(), capture=CaptureConfig()).capture.em_range == (16.0, 48.0)
    turned = p.with_capture(orientation="auto")
    assert (turned.capture.orientation, turned.capture.em_range) == ("auto", (24, 48))
    auto = Predictor("auto")  # the latin model joins with its own settings; changes reach both
    assert auto.general.capture == Predictor("latin").capture
    assert auto.with_zoom(below_em=0.0).general.zoom.below_em == 0.0
    with pytest.raises(ModelError, match="capture settings"):
        Predictor(_model_with_meta(tmp_path, capture={"em_rnage": [24, 48]}))


@pytest.mark.parametrize("turn", [0, 1, 2, 3])
def test_turned_boxes_undo_what_a_turned_view_maps_back(turn):
    from pxocr.boxes import turned
    from pxocr.infer.capture import normalise

    gray = np.full((90, 160), 255, np.uint8)
    view = normalise(gray, turn=turn)
    box = np.array([[10.0, 20.0, 35.5, 31.25]])
    x0, y0, x1, y1 = box[0]
    corners = view.points_to_input(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))
    in_input = np.array([[*corners.min(0), *corners.max(0)]])
    np.testing.assert_allclose(turned(in_input, turn, 160, 90), box)
    np.testing.assert_allclose(turned(turned(in_input, turn, 160, 90), -turn, *((90, 160) if turn % 2 else (160, 90))),
                               in_input)  # and turned back


def test_a_title_over_worn_small_print_enlarges_the_page_by_the_print(monkeypatch):
    """A title of 20 px em over worn print of 8 px, read first as it is (as pages not in plain rows are): the sure
    lines are the title's, and the page was enlarged for it (1.43x: the print at 11 px em, 62 % CER on this page);
    the glyphs' own sizes, over half the title's, say the print's: enlarged about 3x, the page reads at 28 %."""
    from dataclasses import replace

    import pxocr.infer.predictor as predictor
    from pxocr.eval.metrics import evaluate
    from pxocr.synth import preset, render_page
    from pxocr.synth.degrade import degrade_page
    from pxocr.synth.engine import stacked
    from pxocr.synth.fonts import font_set

    if not font_set("train"):
        pytest.skip("no catalogued fonts installed")
    monkeypatch.setattr(predictor, "PLAIN_ROWS", float("inf"))  # a first reading, whatever the ink's rows say
    base = replace(preset("clean"), fonts=font_set("train"), size_step=1.0)
    clean, truth = stacked(render_page(replace(base, size_min=20.0, size_max=20.0, height=120), 7_473_002, 0),
                           render_page(replace(base, size_min=8.0, size_max=8.0, height=520), 7_473_003, 0))
    page = degrade_page(clean, preset("degraded").degrade, np.random.default_rng([7_473_002, 5]))
    pred = Predictor("latin", threads=1)
    view, _ = pred._read_sized(page, None, "")
    assert view.scale > 2.5
    assert evaluate([pred.predict(page)], [truth], ap=False)["cer"] < 0.4
