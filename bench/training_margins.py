"""Training-bar margins: the reference and the plausible wrong models under each suite's recipe.

For each exercise with a training check, train the reference and the wrong models named below
on several init seeds with the exercise's own settings (exercise.yaml `settings.training`) and
the suite's recipe (rnnprep.grading.fixtures.training), and print held-out accuracy per seed
next to the bar. A bar is sound when the reference's minimum clears it with margin and every
wrong model's maximum stays below it.

The files are the project's own (references and tests/mistakes), so they run in this process;
learner code never does.

    python bench/training_margins.py                 # all of them, seeds 0-4
    python bench/training_margins.py seq2seq --seeds 0 1 2
    python bench/training_margins.py attention_decoder --correct     # the correct variants too
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import torch

from rnnprep.content.loader import load_exercise
from rnnprep.grading import datasets
from rnnprep.grading.fixtures import training

ROOT = Path(__file__).resolve().parents[1]

WRONG = {
    "sentiment_rnn": ["bag_of_words.py"],
    "bidirectional_classifier": ["unidirectional.py", "backward_only.py"],
    "seq2seq": ["encoder_first_step.py", "no_encoder_state.py"],
    "attention_decoder": ["no_attention.py", "context_not_fed.py"],
}


def module(path: Path):
    spec = importlib.util.spec_from_file_location(f"margin_{path.stem}_{time.monotonic_ns()}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def classifier_accuracy(cls, s, data_fn, vocab, classes, seed):
    train, test = data_fn(s["train_size"], s["train_seed"]), data_fn(s["test_size"], s["test_seed"])
    torch.manual_seed(seed)
    m = cls(vocab, s["embed_dim"], s["hidden_size"], classes)
    training.train_classifier(m, train.tokens, train.lengths, train.labels, epochs=s["epochs"],
                              batch_size=s["batch_size"], lr=s["lr"], seed=seed)
    with torch.no_grad():
        pred = m(test.tokens, test.lengths).argmax(dim=1)
    return (pred == test.labels).double().mean().item()


def seq2seq_accuracy(cls, s, seed):
    train = datasets.reversal(s["train_size"], s["train_seed"], length=s["length"])
    test = datasets.reversal(s["test_size"], s["test_seed"], length=s["length"])
    torch.manual_seed(seed)
    m = cls(train.vocab_size, train.vocab_size, s["embed_dim"], s["hidden_size"])
    training.train_seq2seq(m, train.src, train.tgt, epochs=s["epochs"], batch_size=s["batch_size"], lr=s["lr"],
                           seed=seed, teacher_forcing_ratio=s["teacher_forcing_ratio"])
    with torch.no_grad():
        pred = m.greedy_decode(test.src, s["length"], datasets.BOS)
    return (pred == test.tgt[:, 1:]).double().mean().item()


def attention_decoder_accuracy(cls, s, seed):
    train = datasets.copying(s["train_size"], s["train_seed"], length=s["length"])
    test = datasets.copying(s["test_size"], s["test_seed"], length=s["length"])
    torch.manual_seed(seed)
    m = cls(train.vocab_size, s["embed_dim"], s["hidden_size"], s["hidden_size"], s["attn_dim"])
    result = training.train_attention_decoder(m, train.src, train.tgt, test.src, src_vocab=train.vocab_size,
                                              embed_dim=s["embed_dim"], hidden_size=s["hidden_size"],
                                              epochs=s["epochs"], batch_size=s["batch_size"], lr=s["lr"], seed=seed)
    return (result["predictions"] == test.tgt[:, 1:]).double().mean().item()


def accuracy(slug: str, path: Path, s: dict, seed: int) -> float:
    mod = module(path)
    if slug == "attention_decoder":
        return attention_decoder_accuracy(mod.AttentionDecoder, s, seed)
    if slug == "sentiment_rnn":
        return classifier_accuracy(mod.SentimentRNN, s, datasets.sentiment, datasets.SENTIMENT_VOCAB, 2, seed)
    if slug == "bidirectional_classifier":
        return classifier_accuracy(mod.BiRNNClassifier, s, datasets.both_ends, datasets.BOTH_ENDS_VOCAB, 4, seed)
    return seq2seq_accuracy(mod.Seq2Seq, s, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", default=list(WRONG))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--correct", action="store_true", help="train the tests/correct variants too")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for slug in args.slugs:
        folder = ROOT / "exercises" / slug
        s = load_exercise(folder).settings["training"]
        print(f"{slug}: bar {s['bar']:.0%}, {s['epochs']} epochs, init seeds {args.seeds}")
        files = [folder / "reference.py"] + [folder / "tests" / "mistakes" / f for f in WRONG[slug]]
        if args.correct:
            files += sorted((folder / "tests" / "correct").glob("*.py"))
        for path in files:
            t0 = time.perf_counter()
            accs = [accuracy(slug, path, s, seed) for seed in args.seeds]
            verdict = "clears" if min(accs) >= s["bar"] else ("stays below" if max(accs) < s["bar"] else "STRADDLES")
            print(f"  {path.stem:22s} min {min(accs):6.1%}  max {max(accs):6.1%}  "
                  f"[{' '.join(f'{a:.1%}' for a in accs)}]  {verdict} the bar  "
                  f"({(time.perf_counter() - t0) / len(accs):.1f} s a run)", flush=True)


if __name__ == "__main__":
    main()
