import pytest

from cnnbook import runtime


@pytest.fixture(autouse=True)
def no_gpu(monkeypatch):
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])


def test_profile_defaults_to_quick_without_a_gpu(monkeypatch):
    monkeypatch.delenv("CNNBOOK_PROFILE", raising=False)
    assert runtime.profile() == "quick"


def test_profile_defaults_to_full_with_a_gpu(monkeypatch):
    monkeypatch.delenv("CNNBOOK_PROFILE", raising=False)
    monkeypatch.setattr(runtime, "gpu_names", lambda: ["NVIDIA H100"])
    assert runtime.profile() == "full"


@pytest.mark.parametrize("name", ["smoke", "quick", "full", " Quick "])
def test_profile_reads_the_environment(monkeypatch, name):
    monkeypatch.setenv("CNNBOOK_PROFILE", name)
    assert runtime.profile() == name.strip().lower()


def test_unknown_profile_is_refused(monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "fast")
    with pytest.raises(ValueError, match="'fast' is not one of smoke, quick, full"):
        runtime.profile()


def test_scaled_picks_the_profile_and_says_what_changed(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_PROFILE", "quick")
    run = runtime.scaled(epochs={"smoke": 1, "quick": 2, "full": 5},
                         batch_size={"smoke": 64, "quick": 64, "full": 64},
                         train_images={"smoke": 500, "quick": 12000, "full": None})
    assert (run.epochs, run.batch_size, run.train_images) == (2, 64, 12000)
    line = capsys.readouterr().out.strip()
    assert line == "Profile quick: epochs 2 (full: 5), batch_size 64, train_images 12000 (full: all)"


def test_scaled_in_full_names_the_source_settings(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_PROFILE", "full")
    assert runtime.scaled(epochs={"smoke": 1, "quick": 2, "full": 5}).epochs == 5
    assert "the source articles' settings" in capsys.readouterr().out


def test_scaled_needs_every_profile(monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "quick")
    with pytest.raises(ValueError, match="'epochs' has no value for profile\\(s\\) smoke"):
        runtime.scaled(epochs={"quick": 2, "full": 5})


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False), ("", False)])
def test_offline_mode(monkeypatch, value, expected):
    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    assert runtime.is_offline() is expected


def test_setup_prints_one_provenance_line(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_PROFILE", "smoke")
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    assert runtime.setup() == "smoke"
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cnnbook: profile smoke · CPU (")
    assert "Keras 3." in lines[0] and "OFFLINE mode" in lines[0]
