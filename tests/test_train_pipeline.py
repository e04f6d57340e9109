"""synth -> train (tiny config, about a minute) -> export -> read, end to end."""

import json

import numpy as np
import pytest

from pxocr.cli import main
from pxocr.contract import CLS_START
from pxocr.errors import UsageError
from pxocr.train.config import PRESETS, Stage, TrainConfig
from pxocr.train.export import torch_raw
from pxocr.train.loop import train

TINY = PRESETS["tiny"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    train(str(d), TINY, progress=False)
    return d


def _losses(run_dir):
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return [r["loss"] for r in rows if "loss" in r]


def test_loss_falls(run_dir):
    losses = _losses(run_dir)
    assert len(losses) >= 5
    assert np.mean(losses[-2:]) < 0.8 * losses[0]
    assert (run_dir / "metrics.png").stat().st_size > 1000
    assert json.loads((run_dir / "summary.json").read_text())["steps"] == TINY.total_steps


def test_refuses_to_overwrite_and_resumes(run_dir, capsys):
    assert main(["train", "--out", str(run_dir), "--preset", "tiny", "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    # resuming a finished run is a no-op that keeps the step count
    train(str(run_dir), TINY, resume=True, progress=False)
    assert json.loads((run_dir / "summary.json").read_text())["steps"] == TINY.total_steps


def test_resume_continues_from_checkpoint(tmp_path):
    cfg = TrainConfig(model="tiny", stages=(Stage(steps=20, crop=96, batch=4),), warmup=2, val_every=100,
                      val_pages=1, val_presets=("clean",), ckpt_every=10, workers=0)
    short = TrainConfig(**{**cfg.__dict__, "stages": (Stage(steps=10, crop=96, batch=4),)})
    train(str(tmp_path), short, progress=False)  # as if killed after step 10
    import torch

    ck = torch.load(tmp_path / "last.pt", weights_only=False)
    assert ck["step"] == 10
    ck["config"] = cfg.to_json()  # the full run's config, as the killed run had it
    torch.save(ck, tmp_path / "last.pt")
    train(str(tmp_path), cfg, resume=True, progress=False)
    assert torch.load(tmp_path / "last.pt", weights_only=False)["step"] == 20


def test_validation_reads_as_pxocr_read_does(run_dir):
    """The logged validation numbers are those of the exported model read by the Predictor."""
    from pxocr.eval import evaluate
    from pxocr.infer import Predictor
    from pxocr.synth import preset, render_page

    logged = json.loads((run_dir / "summary.json").read_text())["metrics"]
    pred = Predictor(str(run_dir / "val.onnx"), threads=1)
    pages = [render_page(preset("clean"), TINY.val_seed, i) for i in range(TINY.val_pages)]
    r = evaluate([pred.predict(im) for im, _ in pages], [gt for _, gt in pages], ap=False)
    assert logged["clean/cer"] == pytest.approx(r["cer"]) and logged["clean/f1_75"] == pytest.approx(r["f1"]["0.75"])


def test_ema_ships_the_average_and_resumes(tmp_path):
    """With ``ema``, the checkpoint keeps a moving average of the weights; export and --init use
    it, and a resumed run goes on averaging where it stopped."""
    import torch

    from pxocr.train.checkpoint import load_model

    cfg = TrainConfig(model="tiny", stages=(Stage(steps=10, crop=96, batch=4),), warmup=2, val_every=100,
                      val_pages=1, val_presets=("clean",), ckpt_every=5, workers=0, ema=0.5)
    short = TrainConfig(**{**cfg.__dict__, "stages": (Stage(steps=5, crop=96, batch=4),)})
    train(str(tmp_path), short, progress=False)
    ck = torch.load(tmp_path / "last.pt", weights_only=False)
    ck["config"] = cfg.to_json()
    torch.save(ck, tmp_path / "last.pt")
    train(str(tmp_path), cfg, resume=True, progress=False)
    ck = torch.load(tmp_path / "last.pt", weights_only=False)
    assert int(ck["ema"]["n_averaged"]) == 10
    shipped = load_model(str(tmp_path)).state_dict()
    for k, v in ck["model"].items():
        assert torch.equal(shipped[k], ck["ema"]["module." + k]), k
    assert any(not torch.equal(shipped[k], v) for k, v in ck["model"].items() if v.is_floating_point())
    with pytest.raises(Exception, match="ema"):
        TrainConfig.from_dict({"ema": 1.0})


def test_export_matches_pytorch_and_reads(run_dir, tmp_path, capsys):
    import onnxruntime as ort

    onnx_path = tmp_path / "m.onnx"
    assert main(["export", str(run_dir), "--out", str(onnx_path)]) == 0
    x = np.random.default_rng(0).random((1, 1, 224, 352), dtype=np.float32)
    sess = ort.InferenceSession(str(onnx_path))
    dense, feats = sess.run(["dense", "features"], {"image": x})
    want = torch_raw(str(run_dir), x)
    np.testing.assert_allclose(dense, want[:, :CLS_START], atol=1e-4, rtol=1e-4)
    # the class logits: the graph's features times the class weights kept in the metadata
    cls = json.loads(sess.get_modelmeta().custom_metadata_map["pxocr"])["classifier"]
    logits = np.einsum("kc,bchw->bkhw", np.array(cls["weight"]), feats) + np.array(cls["bias"])[:, None, None]
    np.testing.assert_allclose(logits, want[:, CLS_START:], atol=1e-4, rtol=1e-4)

    data = tmp_path / "data"
    assert main(["synth", "--out", str(data), "--count", "2", "--seed", "3", "--quiet"]) == 0
    assert main(["read", str(data / "000000.png"), "--model", str(onnx_path), "--format", "json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert (page["width"], page["height"]) == (640, 640)
    assert main(["eval", "--data", str(data), "--model", str(onnx_path), "--out", str(tmp_path / "ev")]) == 0
    assert (tmp_path / "ev" / "report.md").exists()


def test_init_starts_from_trained_weights(run_dir, tmp_path):
    cfg = TrainConfig(model="tiny", stages=(Stage(steps=10, crop=128, batch=8),), warmup=2, lr=1e-4,
                      val_every=100, val_pages=1, val_presets=("clean",), ckpt_every=10, workers=0)
    train(str(tmp_path / "fresh"), cfg, progress=False)
    train(str(tmp_path / "tuned"), cfg, progress=False, init=str(run_dir))
    fresh, tuned = _losses(tmp_path / "fresh"), _losses(tmp_path / "tuned")
    assert tuned[0] < 0.8 * fresh[0]


def test_init_from_weights_that_lack_a_tensor_names_it(run_dir, tmp_path, capsys):
    """New residual blocks may start from nothing; any other missing tensor is a usage error that
    names it, not the first missing block tensor before it."""
    import torch

    ck = torch.load(run_dir / "last.pt", weights_only=False)
    drop = [k for k in ck["model"] if k.startswith("s8.1.block.")] + ["lat8.0.weight"]
    assert all(k in ck["model"] for k in drop)
    ck["model"] = {k: v for k, v in ck["model"].items() if k not in drop}
    ck.pop("ema", None)
    torch.save(ck, tmp_path / "partial.pt")
    cfg = TrainConfig(model="tiny", stages=(Stage(steps=1, crop=128, batch=2),), warmup=1, val_every=100,
                      val_pages=1, val_presets=("clean",), workers=0)
    with pytest.raises(UsageError, match=r"it lacks lat8\.0\.weight\)"):
        train(str(tmp_path / "from-partial"), cfg, progress=False, init=str(tmp_path / "partial.pt"))


def test_export_of_a_checkpoint_without_weights_says_so(run_dir, tmp_path, capsys):
    import torch

    ck = torch.load(run_dir / "last.pt", weights_only=False, map_location="cpu")
    bare = tmp_path / "bare"
    bare.mkdir()
    torch.save({k: v for k, v in ck.items() if k not in ("model", "ema", "opt")}, bare / "last.pt")
    assert main(["export", str(bare), "--out", str(tmp_path / "m.onnx")]) == 2
    assert "holds no weights" in capsys.readouterr().err and not (tmp_path / "m.onnx").exists()


def test_line_head_trains_exports_and_reads(run_dir, tmp_path):
    """A tiny model with a CTC line head, started from the tiny detector (--init): the CTC
    loss falls, the ONNX graph matches PyTorch on both inputs, and reading uses the head."""
    import onnxruntime as ort
    import torch

    from pxocr.decode.ctc import LINE_ROWS
    from pxocr.infer import Predictor
    from pxocr.synth import preset, render_page
    from pxocr.train.checkpoint import load_model
    from pxocr.train.export import export_onnx

    cfg = TrainConfig(model="tiny-ctc", stages=(Stage(steps=40, crop=128, batch=8),), warmup=5,
                      val_every=100, val_pages=1, val_presets=("clean",), ckpt_every=40, workers=0)
    train(str(tmp_path / "ctc"), cfg, progress=False, init=str(run_dir))
    rows = [json.loads(x) for x in (tmp_path / "ctc" / "metrics.jsonl").read_text().splitlines()]
    ctc = [r["ctc"] for r in rows if "ctc" in r]
    assert len(ctc) >= 3 and np.mean(ctc[-2:]) < 0.8 * ctc[0]

    onnx_path = export_onnx(str(tmp_path / "ctc"), str(tmp_path / "ctc.onnx"))
    sess = ort.InferenceSession(onnx_path)
    rng = np.random.default_rng(1)
    image = rng.random((1, 1, 96, 160), dtype=np.float32)
    line_feats = rng.standard_normal((1, 16, 30, 50)).astype(np.float32)
    grid = rng.uniform(-1.1, 1.1, (1, LINE_ROWS, 29, 2)).astype(np.float32)
    dense, feats, logp = sess.run(None, {"image": image, "line_features": line_feats, "line_grid": grid})
    model = load_model(str(tmp_path / "ctc"))
    with torch.no_grad():
        want_feats = model.forward_features(torch.from_numpy(image))
        np.testing.assert_allclose(dense, model.out(want_feats).numpy()[:, :CLS_START], atol=1e-4, rtol=1e-4)
        np.testing.assert_allclose(feats, want_feats.numpy(), atol=1e-4, rtol=1e-4)
        want = model.read_lines(torch.from_numpy(line_feats), torch.from_numpy(grid), log_probs=True).numpy()
        np.testing.assert_allclose(logp, want, atol=1e-4, rtol=1e-4)

    pred = Predictor(onnx_path, threads=1)
    assert pred.reads_lines
    gray, gt = render_page(preset("clean"), 5, 0)
    g, reader = pred.detect(gray)
    assert reader is not None
    # the reader reads the two given lines, each within its own frames
    lines_geo = np.array([(40.0, 300.0, 100.0, 24.0), (50.0, 90.0, 200.0, 16.0)])
    reading = reader(lines_geo)
    assert reading.logp.shape == (len(reading.labels), 96)
    for k, (x0, x1, _, em) in enumerate(lines_geo):
        xs = reading.xs[reading.line == k]
        assert np.all((xs >= x0 - 0.3 * em) & (xs <= x1 + 0.3 * em))
    assert set(reading.line.tolist()) <= {0, 1}
    page = pred.predict(gray)
    assert page.width == 640 and len(page.chars) > 0.5 * len(gt.chars)


def test_int8_export_of_a_line_head_model(tmp_path):
    """`pxocr export --int8` calibrates both inputs (page and sampled lines) and keeps the
    metadata; the int8 model reads."""
    import onnxruntime as ort

    from pxocr.infer import Predictor
    from pxocr.synth import preset, render_page
    from pxocr.train.export import export_onnx
    from pxocr.train.quantize import quantize_int8

    cfg = TrainConfig(model="tiny-ctc", stages=(Stage(steps=5, crop=128, batch=4),), warmup=2,
                      val_every=100, val_pages=1, val_presets=("clean",), ckpt_every=5, workers=0)
    train(str(tmp_path / "run"), cfg, progress=False)
    fp = export_onnx(str(tmp_path / "run"), str(tmp_path / "f.onnx"))
    q = quantize_int8(fp, str(tmp_path / "q.onnx"), pages=2)
    ops = {n.op_type for n in __import__("onnx").load(q).graph.node}
    assert "QuantizeLinear" in ops and "DequantizeLinear" in ops
    assert ort.InferenceSession(q).get_modelmeta().custom_metadata_map["pxocr"] == \
        ort.InferenceSession(fp).get_modelmeta().custom_metadata_map["pxocr"]
    pred = Predictor(q, threads=1)
    assert pred.reads_lines and pred.predict(render_page(preset("clean"), 5, 0)[0]).width == 640


def test_bf16_forward_gives_the_float32_losses():
    """TrainConfig.bf16 runs the network in bfloat16 autocast; the losses (computed in float32
    on its outputs) stay within a few percent of a float32 pass, and the gradients are finite."""
    import torch
    from torch.utils.data import DataLoader

    from pxocr.model.config import PRESETS as MODELS
    from pxocr.model.loss import PxLoss
    from pxocr.model.net import PxNet
    from pxocr.train.data import SynthCrops
    from pxocr.train.loop import forward_loss

    torch.manual_seed(0)
    model = PxNet(MODELS["tiny-ctc"])
    cfg = PRESETS["tiny-ctc"]
    batch = next(iter(DataLoader(SynthCrops(cfg.stages[0], 3, 8), batch_size=8, num_workers=0)))
    loss_fn = PxLoss(cfg.loss)
    f32 = forward_loss(model, loss_fn, batch)
    b16 = forward_loss(model, loss_fn, batch, bf16=True)
    assert set(b16) == set(f32) and "ctc" in b16
    for k in f32:
        assert b16[k].dtype == torch.float32
        assert abs(float(b16[k]) - float(f32[k])) <= 0.05 * abs(float(f32[k])) + 1e-3, k
    b16["loss"].backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("stage,message", [({"steps": 10, "p_symbols": 1.0}, "p_symbols"),
                                           ({"steps": 10, "crop": 100}, "multiple of 16"),
                                           ({"steps": 10, "mix": {"nope": 1.0}}, "bad stage mix"),
                                           ({"steps": 10, "p_real": 0.3}, "exactly when real"),
                                           ({"steps": 10, "p_blank": 1.0}, "p_real + p_blank"),
                                           ({"steps": 10, "p_lowres": 1.5}, "p_lowres")])
def test_bad_stage_in_a_config_is_a_usage_error(stage, message, tmp_path, capsys):
    cfg = tmp_path / "cfg.json"
    cfg.write_text(json.dumps({"stages": [stage]}))
    assert main(["train", "--out", str(tmp_path / "run"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and not (tmp_path / "run").exists()


@pytest.mark.parametrize("change,message", [({"lr": 0.0}, "lr"), ({"val_every": 0}, "val_every"),
                                            ({"workers": -1}, "workers"), ({"val_presets": ["nope"]}, "val_presets"),
                                            ({"val_fonts": "nope"}, "val_fonts"), ({"loss": {"cls": -1.0}}, "cls")])
def test_every_training_config_field_is_validated(change, message, tmp_path):
    import json

    from pxocr.errors import UsageError
    from pxocr.train.config import load_config

    path = tmp_path / "c.json"
    path.write_text(json.dumps({"stages": [{"steps": 10}]} | change))
    with pytest.raises(UsageError, match=message):
        load_config(str(path))


def test_font_fingerprint_follows_the_installed_fonts(monkeypatch):
    from pxocr.synth import fonts
    from pxocr.train.config import PRESETS
    from pxocr.train.loop import font_fingerprint

    if not fonts.catalogue():
        pytest.skip("no catalogued fonts installed")
    latin, tiny = PRESETS["latin"], PRESETS["tiny"]
    assert font_fingerprint(latin) == font_fingerprint(latin) != font_fingerprint(tiny)
    first = fonts.font_set("train")[0]
    fewer = tuple(f for f in fonts.catalogue() if f != first)
    monkeypatch.setattr(fonts, "catalogue", lambda: fewer)
    before = font_fingerprint(latin)
    monkeypatch.undo()
    assert font_fingerprint(latin) != before  # one font file of its set fewer: another digest


def test_resume_refuses_a_run_whose_fonts_differ(tmp_path):
    import torch

    from pxocr.errors import UsageError
    from pxocr.train.config import PRESETS

    run = tmp_path / "run"
    run.mkdir()
    torch.save({"config": PRESETS["latin"].to_json(), "fonts": "0123456789abcdef", "step": 5}, run / "last.pt")
    with pytest.raises(UsageError, match="font files installed here differ"):
        train(str(run), PRESETS["latin"], resume=True, progress=False)


def test_a_stage_draws_real_crops_and_blank_pages_at_its_shares(tmp_path):
    """Stage.real / p_real / p_blank: real crops come with their own truth (degraded images,
    the same boxes), blank pages with none, synthetic pages otherwise, at about the shares."""
    from PIL import Image

    from pxocr.document import Page
    from pxocr.errors import UsageError
    from pxocr.train.data import SynthCrops

    real = tmp_path / "real"
    real.mkdir()
    image = np.full((128, 128), 255, np.uint8)
    image[40:60, 30:44] = 0
    truth = Page.from_dict({"width": 128, "height": 128, "lines": [
        {"text": "I", "bbox": [30, 40, 44, 60], "baseline": 60, "font_size": 28,
         "chars": [{"char": "I", "bbox": [30, 40, 44, 60]}]}]})
    Image.fromarray(image).save(real / "000000.png")
    (real / "000000.json").write_text(truth.to_json())
    stage = Stage(steps=10, crop=128, batch=8, mix={"degraded": 1.0}, real=str(real), p_real=0.5, p_blank=0.25)
    ds = SynthCrops(stage, 3, 200)
    kinds = {"real": 0, "blank": 0, "synth": 0}
    for i in range(200):
        _, img, page = ds.page(i)
        if [c.bbox for c in page.chars] == [(30, 40, 44, 60)]:
            kinds["real"] += 1
            assert img[40:60, 30:44].mean() < img[:, 80:].mean() - 40  # the ink stays where its box is
        elif not page.chars:
            kinds["blank"] += 1
        else:
            kinds["synth"] += 1
    assert 80 <= kinds["real"] <= 120 and 30 <= kinds["blank"] <= 70 and 30 <= kinds["synth"] <= 70, kinds
    item = ds[next(i for i in range(200) if not ds.page(i)[2].chars)]
    assert float(item["heat"].max()) == 0.0  # a blank page: no glyph centre anywhere
    with pytest.raises(UsageError, match="pxocr synth --pdfs train"):
        SynthCrops(Stage(steps=10, crop=128, real=str(tmp_path / "none"), p_real=0.3), 3, 10)
    with pytest.raises(UsageError, match="crops of 128x128 px, the stage crops 256x256"):
        SynthCrops(Stage(steps=10, crop=256, real=str(real), p_real=0.3), 3, 10)


@pytest.mark.parametrize("em,reduced", [(28.0, True), (9.0, False)])
def test_low_resolution_crops_keep_their_ink_in_its_boxes_and_spare_print_too_small(tmp_path, em, reduced):
    """Stage.p_lowres: a crop is seen as a coarser capture enlarged back (softer edges, the ink
    where its box is), unless that would bring its smallest text under LOWRES_MIN_EM."""
    from PIL import Image

    from pxocr.document import Page
    from pxocr.train.data import SynthCrops

    real = tmp_path / "real"
    real.mkdir()
    image = np.full((128, 128), 255, np.uint8)
    image[40:60, 30:44] = 0
    truth = Page.from_dict({"width": 128, "height": 128, "lines": [
        {"text": "I", "bbox": [30, 40, 44, 60], "baseline": 60, "font_size": em,
         "chars": [{"char": "I", "bbox": [30, 40, 44, 60]}]}]})
    Image.fromarray(image).save(real / "000000.png")
    (real / "000000.json").write_text(truth.to_json())
    sharp, low = (SynthCrops(Stage(steps=10, crop=128, mix={"clean": 1.0}, real=str(real), p_real=0.99,
                                   p_lowres=p), 3, 10) for p in (0.0, 1.0))
    for i in range(10):
        (_, a, pa), (_, b, pb) = sharp.page(i), low.page(i)
        if not pa.chars:
            continue
        assert pa.to_dict() == pb.to_dict()
        if not reduced:
            assert np.array_equal(a, b)
            continue
        assert np.abs(np.diff(b.astype(float), axis=1)).max() < 0.8 * np.abs(np.diff(a.astype(float), axis=1)).max()
        dark = 255.0 - b.astype(float)
        row = dark[50]  # the box's left and right edges where the ink's profile crosses half its depth
        half = (row.max() + row[:20].mean()) / 2
        left = np.interp(half, row[25:35], np.arange(25, 35) + 0.5)
        right = np.interp(half, row[39:49][::-1], np.arange(49, 39, -1) - 0.5)
        assert abs(left - 30) <= 0.35 and abs(right - 44) <= 0.35, (left, right)


def test_small_print_crops_bring_the_smallest_text_to_an_em_of_7_to_12_px(tmp_path, monkeypatch):
    """Stage.p_small: that share of the coarser crops is reduced until its smallest text has an em in SMALL_EM;
    the others keep the reductions they had without it (a stream of its own)."""
    from PIL import Image

    from pxocr.document import Page
    from pxocr.train import data
    from pxocr.train.data import SMALL_EM, SynthCrops

    real = tmp_path / "real"
    real.mkdir()
    Image.fromarray(np.full((128, 128), 255, np.uint8)).save(real / "000000.png")
    (real / "000000.json").write_text(Page.from_dict({"width": 128, "height": 128, "lines": [
        {"text": "I", "bbox": [30, 40, 44, 60], "baseline": 60, "font_size": 40.0,
         "chars": [{"char": "I", "bbox": [30, 40, 44, 60]}]}]}).to_json())
    factors: list[float] = []
    monkeypatch.setattr(data, "low_resolution", lambda image, factor: factors.append(factor) or image)

    def reductions(p_small: float) -> list[float]:
        factors.clear()
        crops = SynthCrops(Stage(steps=10, crop=128, mix={"clean": 1.0}, real=str(real), p_real=0.99, p_lowres=1.0,
                                 p_small=p_small), 3, 40)
        return [factors[-1] if crops.page(i)[2].chars else None for i in range(40)]

    plain, half, small = reductions(0.0), reductions(0.5), reductions(1.0)
    ems = [40.0 * f for f in small if f is not None]
    assert len(ems) > 30 and SMALL_EM[0] <= min(ems) and max(ems) <= SMALL_EM[1]
    assert min(40.0 * f for f in plain if f is not None) >= 12.0  # 0.3-0.7 of 40 px
    kept = [a == b for a, b in zip(plain, half) if a is not None]
    assert 0.3 < sum(kept) / len(kept) < 0.7  # the rest as before, bit for bit
    with pytest.raises(UsageError, match="p_small"):
        Stage(steps=10, p_small=0.5)


def test_small_photo_crops_blur_and_compress_the_ink_where_its_box_is():
    """Stage.p_photo: a crop seen as a small hand-held photo enlarged back: softer than the reduced
    crop alone (blur at the coarse size), noisy, the ink still centred in its box; the truth kept."""
    from pxocr.synth.degrade import low_resolution, small_photo

    image = np.full((128, 128), 230, np.uint8)
    image[40:60, 30:44] = 20
    rng = np.random.default_rng(5)
    photo, low = small_photo(image, 0.5, rng), low_resolution(image, 0.5)
    assert photo.shape == image.shape and not np.array_equal(photo, low)
    assert np.abs(np.diff(photo[50].astype(float))).max() < np.abs(np.diff(low[50].astype(float))).max()
    assert photo[44:56, 33:41].mean() < 80 and photo[:, 80:].std() > 0.5  # ink in its box, noise on the paper
    dark = np.clip(200.0 - photo[40:60].astype(float), 0, None).sum(0)  # ink darker than the paper (230)
    assert abs(float((dark * np.arange(128)).sum() / dark.sum()) - 36.5) < 0.3  # centred in the box (pixels 30-43)
    with pytest.raises(UsageError, match="p_photo"):
        Stage(steps=10, p_lowres=0.6, p_photo=0.6)


def test_a_shipped_onnx_model_comes_back_exactly_and_trains_on(tmp_path):
    """The OCR-B model's ONNX file (batch norms folded into its convolutions) read back into a
    PxNet exports to the same outputs; a run starts from it with its batch norms fixed, and
    refuses to without."""
    from pathlib import Path

    import onnxruntime as ort

    import pxocr
    from pxocr.errors import UsageError
    from pxocr.train.export import export_model
    from pxocr.train.from_onnx import model_from_onnx

    src = str(Path(pxocr.__file__).parent / "models" / "pxocr-ocrb.onnx")
    again = export_model(model_from_onnx(src), str(tmp_path / "again.onnx"))
    rng = np.random.default_rng(3)
    feeds = {"image": rng.random((1, 1, 128, 192), np.float32),
             "line_features": rng.normal(size=(1, 24, 20, 30)).astype(np.float32),
             "line_grid": rng.uniform(-1, 1, (1, 8, 12, 2)).astype(np.float32)}
    for a, b in zip(ort.InferenceSession(src).run(None, feeds), ort.InferenceSession(again).run(None, feeds)):
        assert np.abs(a - b).max() < 1e-4 * max(1.0, np.abs(a).max())
    cfg = TrainConfig(model="ctc", stages=(Stage(steps=2, crop=128, batch=2, p_docs=0.5),), warmup=1, lr=1e-5,
                      val_every=100, val_pages=1, val_presets=("clean",), ckpt_every=10, workers=0)
    with pytest.raises(UsageError, match="freeze_bn"):
        train(str(tmp_path / "unfrozen"), cfg, progress=False, init=src)
    from dataclasses import replace

    train(str(tmp_path / "frozen"), replace(cfg, freeze_bn=True), progress=False, init=src)
    train(str(tmp_path / "fresh"), cfg, progress=False)
    assert _losses(tmp_path / "frozen")[0] < 0.5 * _losses(tmp_path / "fresh")[0]  # it starts trained


def test_average_writes_the_mean_of_the_runs_weights_which_export_reads(run_dir, tmp_path, capsys):
    import torch

    from pxocr.train.checkpoint import weights_to_ship

    cfg = TrainConfig(model="tiny", stages=(Stage(steps=4, crop=128, batch=2),), warmup=1, val_every=100,
                      val_pages=1, val_presets=("clean",), ckpt_every=4, workers=0)
    train(str(tmp_path / "next"), cfg, progress=False, init=str(run_dir))
    soup = tmp_path / "soup"
    assert main(["train", "--out", str(soup), "--average", str(run_dir), str(tmp_path / "next")]) == 0
    a, b, m = (weights_to_ship(torch.load(d / "last.pt", weights_only=False, map_location="cpu"))
               for d in (run_dir, tmp_path / "next", soup))
    moved = [k for k in a if a[k].is_floating_point() and not torch.equal(a[k], b[k])]
    assert moved  # the second run trained on, so the mean differs from both
    for k in moved:
        torch.testing.assert_close(m[k], (a[k] + b[k]) / 2)
    assert main(["export", str(soup), "--out", str(tmp_path / "soup.onnx")]) == 0
    # a second average into the same folder, or of one run, is refused with a message
    assert main(["train", "--out", str(soup), "--average", str(run_dir), str(tmp_path / "next")]) == 2
    assert "already holds a checkpoint" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "one"), "--average", str(run_dir)]) == 2
    assert "two runs or more" in capsys.readouterr().err
    (tmp_path / "file").write_text("x")
    assert main(["train", "--out", str(tmp_path / "file"), "--average", str(run_dir), str(tmp_path / "next")]) == 2
    assert "not a folder" in capsys.readouterr().err
