"""The log as clients see it: tlog-tiles under /log/, the public pages and the proof APIs."""

from base64 import b64decode

from tests.base import BaseTestCase, make_submission, run_sequencer
from tuidang.declarations import sequencer
from tuidang.ledger import Checkpoint as CheckpointText
from tuidang.ledger import (
    LogClient,
    MemoryHashStore,
    consistency_proof_from_leaf_hashes,
    inclusion_proof_from_leaf_hashes,
    leaf_hash,
    new_verifier,
    open_note,
    prove_consistency,
    prove_inclusion,
    root_from_leaf_hashes,
    tiles_for_size,
    verify_consistency,
    verify_proof,
)
from tuidang.ledger.entry import Entry
from tuidang.ledger.tiles import decode_bundle, read_tile_data
from tuidang.transparency import logstore
from tuidang.transparency.logstore import Checkpoint, LogTile


class LogHttpTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.verifier = new_verifier(logstore.vkeys()[0])

    def fetch(self, path: str) -> bytes:
        response = self.client.get(f"/log/{path}")
        if response.status_code != 200:
            raise LookupError(f"{path}: {response.status_code}")
        return response.content

    def grow(self, people: int, batch: int = 1000) -> None:
        """Accept ``people`` more declarations (distinct aliases, so none is held as a
        duplicate) and sequence them in batches of ``batch``."""
        for start in range(0, people, 10):
            self.serial = getattr(self, "serial", 0) + 1
            names = [f"人{self.serial}-{i}" for i in range(min(10, people - start))]
            make_submission(*names, region="CN-HB", statement="退出")
        sequencer.run_until_idle(limit=batch)

    def test_served_checkpoint_verifies_and_every_tile_matches_an_independent_root(self):
        self.grow(300, batch=64)
        response = self.client.get("/log/checkpoint")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertIn("max-age=5", response["Cache-Control"])
        checkpoint = CheckpointText.parse(open_note(response.content, [self.verifier]).text)
        self.assertEqual(checkpoint.size, 300)

        # An off-the-shelf walk: every bundle authenticated against tiles and the root.
        client = LogClient(self.fetch, [self.verifier], origin=checkpoint.origin)
        entries = [entry for _, entry in client.entries(client.checkpoint())]
        self.assertEqual(len(entries), 300)
        self.assertEqual(
            root_from_leaf_hashes([leaf_hash(e) for e in entries]), checkpoint.root_hash
        )
        self.assertEqual({Entry.decode(e).region for e in entries}, {"CN-HB"})

        for tile in tiles_for_size(300):
            response = self.client.get(f"/log/{tile.path}")
            self.assertEqual(response.status_code, 200, tile.path)
            if tile.width == 256:
                self.assertEqual(response["Cache-Control"], "public, max-age=31536000, immutable")
            else:
                self.assertNotIn("immutable", response["Cache-Control"])
        full = self.client.get("/log/tile/entries/000")
        self.assertIn("immutable", full["Cache-Control"])

    def test_partial_tiles_exist_only_for_the_current_tree(self):
        self.grow(20)
        entries = logstore.read_entries(0, 20)
        self.assertEqual(len(entries), 20)
        partial = self.fetch("tile/0/000.p/20")
        self.assertEqual(partial, b"".join(leaf_hash(e) for e in entries))
        self.assertEqual(decode_bundle(self.fetch("tile/entries/000.p/20")), entries)
        self.grow(280)
        # The tile of 20 hashes is full now: only the full one and the new partial are served.
        self.assertEqual(self.client.get("/log/tile/0/000.p/20").status_code, 404)
        self.assertEqual(len(self.fetch("tile/0/000")), 256 * 32)
        self.assertEqual(len(self.fetch("tile/0/001.p/44")), 44 * 32)
        for bad in (
            "tile/0/001",
            "tile/0/002.p/1",
            "tile/0/x000/001",
            "tile/0/001.p/044",
            "tile/9/000",
            "tile/entries/001.p/45",
            "tile/abc",
            "tile/",
            "tile/0/1",
        ):
            self.assertEqual(self.client.get(f"/log/{bad}").status_code, 404, bad)

    def test_a_stored_but_unsigned_tree_is_not_served_yet(self):
        self.grow(3)
        make_submission("后来者")
        sequencer.sequence_batch()  # committed, crash before signing
        self.assertEqual(self.fetch("checkpoint"), Checkpoint.objects.latest_signed().note.encode())
        self.assertEqual(self.client.get("/log/tile/0/000.p/4").status_code, 404)
        self.assertEqual(len(self.fetch("tile/0/000.p/3")), 3 * 32)
        sequencer.sign_checkpoint()
        self.assertEqual(len(self.fetch("tile/0/000.p/4")), 4 * 32)

    def test_no_checkpoint_yet_is_404(self):
        self.assertEqual(self.client.get("/log/checkpoint").status_code, 404)
        self.assertEqual(self.client.get("/log/tile/0/000.p/1").status_code, 404)

    def test_proof_api_gives_a_receipt_that_verifies(self):
        self.grow(37)
        entries = logstore.read_entries(0, 37)
        for index in (0, 17, 36):
            response = self.client.get(f"/api/v1/proof?index={index}")
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
            verified = verify_proof(response.content, entries[index], [self.verifier])
            self.assertEqual((verified.index, verified.checkpoint.size), (index, 37))
        self.assertEqual(self.client.get("/api/v1/proof?index=37").status_code, 404)
        for bad in ("", "-1", "x", "1.5", "99999999999999999999999"):
            response = self.client.get(f"/api/v1/proof?index={bad}&lang=en")
            self.assertEqual(response.status_code, 400, bad)
            self.assertIn("whole number", response.json()["errors"]["index"][0])
        response = self.client.get("/api/v1/proof?index=x&lang=zh-hans")
        self.assertIn("整数", response.json()["errors"]["index"][0])

    def test_consistency_api_proves_the_log_only_grew(self):
        self.grow(5)
        self.grow(250)
        self.grow(3)
        response = self.client.get("/api/v1/consistency?old=5&new=258")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        old = CheckpointText.parse(open_note(data["old"]["checkpoint"], [self.verifier]).text)
        new = CheckpointText.parse(open_note(data["new"]["checkpoint"], [self.verifier]).text)
        proof = [b64decode(h) for h in data["proof"]]
        verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
        same = self.client.get("/api/v1/consistency?old=258&new=258")
        self.assertEqual(same.status_code, 200)
        self.assertEqual(same.json()["proof"], [])  # equal sizes: the empty proof
        for query in ("old=6&new=258", "old=5&new=300", "old=x&new=258", "old=258&new=5", "new=5"):
            response = self.client.get(f"/api/v1/consistency?{query}&lang=en")
            self.assertEqual(response.status_code, 400, query)
        response = self.client.get("/api/v1/consistency?old=6&new=258&lang=zh-hant")
        self.assertIn("從未發佈", response.json()["errors"]["old"][0])

    def test_checkpoints_api_lists_every_checkpoint_newest_first(self):
        self.grow(2)
        self.grow(2)
        data = self.client.get("/api/v1/checkpoints").json()
        self.assertEqual([c["size"] for c in data["results"]], [4, 2])
        self.assertEqual(data["count"], 2)
        self.assertEqual(data["results"][0]["root"], Checkpoint.objects.latest_signed().root_b64)
        self.assertEqual(self.client.get("/api/v1/checkpoints?page=9").status_code, 404)
        self.assertEqual(self.client.get("/api/v1/checkpoints?page=x").status_code, 400)

    def test_log_page_in_three_languages(self):
        self.grow(3)
        vkey = logstore.vkeys()[0]
        for lang, title, size_label in (
            ("en", "The public log", "Entries in the log"),
            ("zh-hans", "公开日志", "日志中的条目"),
            ("zh-hant", "公開日誌", "日誌中的條目"),
        ):
            response = self.client.get(f"/{lang}/log/")
            self.assertContains(response, f"<h1>{title}</h1>", html=False)
            self.assertContains(response, size_label)
            self.assertContains(response, vkey)
            self.assertContains(response, f"tuidang verify http://testserver --vkey '{vkey}'")
            self.assertContains(response, Checkpoint.objects.latest_signed().root_b64)
            self.assertContains(response, f'href="/{lang}/log/checkpoints/"')

    def test_checkpoint_history_page_paginates_in_three_languages(self):
        for name in ("甲", "乙", "丙"):
            make_submission(name)
            run_sequencer()
        for lang, title in (
            ("en", "Signed checkpoints"),
            ("zh-hans", "已签名的检查点"),
            ("zh-hant", "已簽名的檢查點"),
        ):
            response = self.client.get(f"/{lang}/log/checkpoints/")
            self.assertContains(response, title)
            self.assertEqual(response.content.count(b"<tr>"), 4)
        self.assertEqual(self.client.get("/en/log/checkpoints/?page=2").status_code, 404)
        self.assertEqual(self.client.get("/en/log/checkpoints/?page=x").status_code, 200)


class TileReaderTestCase(BaseTestCase):
    """Proofs from stored tiles, with the upper tiles' subtree hashes kept between requests."""

    def store_tree(self, size: int, seed: bytes) -> list[bytes]:
        memory = MemoryHashStore()
        leaves = [leaf_hash(seed + b"%d" % i) for i in range(size)]
        for leaf in leaves:
            memory.append_leaf_hash(leaf)
        LogTile.objects.all().delete()
        LogTile.objects.bulk_create(
            LogTile(level=t.level, index=t.index, width=t.width, data=read_tile_data(t, memory))
            for t in tiles_for_size(size)
        )
        return leaves

    def test_every_proof_of_two_trees_of_one_size_is_right(self):
        # 70,000 leaves: a full level-1 tile and a partial one, so proofs climb through runs
        # of up to 128 hashes of the upper tiles. The second tree has the same size and tile
        # names but other hashes: nothing kept from the first may leak into its proofs.
        size = 70_000
        for seed in (b"first ", b"second "):
            leaves = self.store_tree(size, seed)
            for index in [0, 1, 255, 256, 30_001, 65_535, 65_536, 69_999]:
                with self.subTest(seed=seed, index=index):
                    self.assertEqual(
                        prove_inclusion(size, index, logstore.TileReader(size)),
                        inclusion_proof_from_leaf_hashes(leaves, index),
                    )
            for old in [1, 300, 65_536]:
                with self.subTest(seed=seed, old=old):
                    self.assertEqual(
                        prove_consistency(old, size, logstore.TileReader(size)),
                        consistency_proof_from_leaf_hashes(leaves, old),
                    )
