import pytest

from cnnbook import runtime


@pytest.fixture(autouse=True)
def no_gpu(monkeypatch):
    monkeypatch.setattr(runtime, "gpu_names", lambda: [])
    # The profile is decided once per session; each test decides it afresh.
    runtime.profile.cache_clear()
    yield
    runtime.profile.cache_clear()


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


def test_profile_is_decided_once(monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "smoke")
    assert runtime.profile() == "smoke"
    monkeypatch.setenv("CNNBOOK_PROFILE", "full")
    assert runtime.profile() == "smoke"


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


def test_scaled_in_full_claims_nothing_about_the_sources(monkeypatch, capsys):
    # Not every chapter's full profile is a source article's setting: the line only says what was chosen.
    monkeypatch.setenv("CNNBOOK_PROFILE", "full")
    assert runtime.scaled(epochs={"smoke": 1, "quick": 2, "full": 5}).epochs == 5
    assert capsys.readouterr().out == "Profile full: epochs 5\n"


def test_scaled_needs_every_profile(monkeypatch):
    monkeypatch.setenv("CNNBOOK_PROFILE", "quick")
    with pytest.raises(ValueError, match="'epochs' has no value for profile\\(s\\) smoke"):
        runtime.scaled(epochs={"quick": 2, "full": 5})


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("Yes", True), (" on ", True),
                                             ("0", False), ("false", False), ("no", False), ("off", False),
                                             ("", False)])
def test_offline_mode(monkeypatch, value, expected):
    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    assert runtime.is_offline() is expected


def test_offline_mode_unset_means_online(monkeypatch):
    monkeypatch.delenv("CNNBOOK_OFFLINE", raising=False)
    assert runtime.is_offline() is False


@pytest.mark.parametrize("value", ["2", "offline", "y", "nein"])
def test_offline_mode_refuses_other_values(monkeypatch, value):
    monkeypatch.setenv("CNNBOOK_OFFLINE", value)
    with pytest.raises(ValueError, match=f"CNNBOOK_OFFLINE='{value}' is not understood: use 1, true, yes or on"):
        runtime.is_offline()


def test_cache_dir_is_per_user_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNBOOK_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert runtime.cache_dir() == str(tmp_path / ".cache" / "cnnbook")
    monkeypatch.setenv("CNNBOOK_CACHE", str(tmp_path / "mine"))
    assert runtime.cache_dir() == str(tmp_path / "mine")


def test_data_sources_ledger(capsys):
    record = runtime.note_data_source("demo_set", "Demo, complete", "Demo, complete: 3 images, from a test.")
    assert record == runtime.DataSource("demo_set", "Demo, complete", real=True)
    assert capsys.readouterr().out == "Demo, complete: 3 images, from a test.\n"
    assert runtime.data_source("demo_set").description == "Demo, complete"
    assert record in runtime.data_sources()


def test_setup_prints_one_provenance_line(monkeypatch, capsys):
    monkeypatch.setenv("CNNBOOK_PROFILE", "smoke")
    monkeypatch.setenv("CNNBOOK_OFFLINE", "1")
    assert runtime.setup() == "smoke"
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cnnbook: profile smoke · CPU (")
    assert "Keras 3." in lines[0] and lines[0].endswith(" · offline")


def test_seed_shifts_every_seed_by_cnnbook_seed(monkeypatch):
    monkeypatch.delenv("CNNBOOK_SEED", raising=False)
    assert runtime.seed(0) == 0 and runtime.seed(7) == 7
    monkeypatch.setenv("CNNBOOK_SEED", "100")
    assert runtime.seed(0) == 100 and runtime.seed(7) == 107
    monkeypatch.setenv("CNNBOOK_SEED", "one")
    with pytest.raises(ValueError, match="CNNBOOK_SEED='one' is not an integer"):
        runtime.seed(0)


def test_setup_draws_other_weights_under_another_seed(monkeypatch, capsys):
    import keras

    def first_weight():
        runtime.setup(seed=0)
        return float(keras.layers.Dense(1).build((None, 4)) or keras.random.uniform((1,))[0])

    monkeypatch.delenv("CNNBOOK_SEED", raising=False)
    stored, again = first_weight(), first_weight()
    monkeypatch.setenv("CNNBOOK_SEED", "1")
    shifted = first_weight()
    assert stored == again != shifted
    assert "seeds shifted by 1 (CNNBOOK_SEED)" in capsys.readouterr().out
