"""Witnessing: the log pushes checkpoints to a real tlog-witness on 127.0.0.1, which checks the
log's signature and the consistency proof before it cosigns, and the served checkpoint carries
the cosignatures."""

from io import StringIO
from unittest import mock

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from tests.base import BaseTestCase, make_submission, run_sequencer
from tests.transparency.witness_server import WitnessServer
from tuidang.ledger import Checkpoint as CheckpointText
from tuidang.ledger import generate_key, leaf_hash, new_verifier, open_note, verify_proof
from tuidang.transparency import logstore, witnessing
from tuidang.transparency.logstore import Checkpoint
from tuidang.transparency.witnessing import WitnessCosignature

ORIGIN = "tuidang.localhost/log"


def leaf_hash_of(index: int) -> bytes:
    return leaf_hash(logstore.read_entries(index, index + 1)[0])


@override_settings(LOG_ORIGIN=ORIGIN)
class WitnessTestCase(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.log_vkey = logstore.vkeys()[0]
        self.serial = 0

    def grow(self, people: int) -> Checkpoint:
        for _ in range(people):
            self.serial += 1
            make_submission(f"见证{self.serial}", region="CN-SX")
        run_sequencer()
        return Checkpoint.objects.latest_signed()

    def push(self, witness: WitnessServer, vkey: str | None = None) -> str:
        with override_settings(WITNESSES=[(vkey or witness.vkey, witness.url)]):
            out = StringIO()
            call_command("witness", "--once", stdout=out)
        return out.getvalue()

    def test_witness_cosigns_and_the_served_checkpoint_carries_it(self):
        first = self.grow(3)
        with WitnessServer({ORIGIN: [self.log_vkey]}) as witness:
            self.assertEqual(self.push(witness), "witness.test: cosigned\n")
            self.assertEqual(witness.seen[-1].old_size, 0)
            self.assertEqual(witness.latest[ORIGIN][0], 3)

            # Nothing new: the witness is not asked again.
            self.assertEqual(self.push(witness), "witness.test: already\n")
            self.assertEqual(len(witness.seen), 1)

            second = self.grow(5)
            self.assertEqual(self.push(witness), "witness.test: cosigned\n")
            self.assertEqual(witness.seen[-1].old_size, 3)  # a real consistency proof 3 -> 8
            self.assertEqual(witness.latest[ORIGIN][0], 8)

        self.assertEqual(
            list(WitnessCosignature.objects.values_list("checkpoint__size", flat=True)), [3, 8]
        )
        note = witnessing.cosigned_note(second)
        witness_key = new_verifier(witness.vkey)
        opened = open_note(note, [witness_key])
        self.assertEqual([s.name for s in opened.verified], ["witness.test"])
        self.assertEqual(CheckpointText.parse(opened.text).size, 8)
        both = open_note(note, [witness_key, new_verifier(self.log_vkey)])
        self.assertEqual(len(both.verified), 2)
        self.assertEqual(witnessing.cosigned_note(first).count("— witness.test "), 1)

        # What clients fetch: the checkpoint and receipts carry the witness's cosignature.
        served = self.client.get("/log/checkpoint").content
        self.assertEqual(served.decode(), note)
        self.assertEqual(open_note(served, [witness_key]).verified[0].name, "witness.test")
        receipt = self.client.get("/api/v1/proof?index=6").content
        proven = verify_proof(receipt, leaf_hash_of(6), [witness_key], prehashed=True)
        self.assertEqual(proven.checkpoint.size, 8)

    def test_a_witness_that_forgot_us_answers_409_and_the_push_retries_from_its_size(self):
        self.grow(2)
        with WitnessServer({ORIGIN: [self.log_vkey]}) as witness:
            self.push(witness)
        self.grow(2)
        # A fresh witness (its state lost): we send old 2, it answers 409 "0", we retry from 0.
        with WitnessServer({ORIGIN: [self.log_vkey]}, skey=witness.skey) as fresh:
            self.assertEqual(self.push(fresh), "witness.test: cosigned\n")
            self.assertEqual([(s.status, s.old_size) for s in fresh.seen], [(409, 2), (200, 0)])
            self.assertEqual(fresh.seen[0].body, b"0\n")

    def test_a_witness_ahead_of_us_tells_us_its_size(self):
        first = self.grow(2)
        with WitnessServer({ORIGIN: [self.log_vkey]}) as witness:
            self.push(witness)
            WitnessCosignature.objects.all().delete()  # we forgot; the witness did not
            self.grow(3)
            self.assertEqual(self.push(witness), "witness.test: cosigned\n")
            self.assertEqual(
                [(s.status, s.old_size) for s in witness.seen], [(200, 0), (409, 0), (200, 2)]
            )
        self.assertEqual(first.size, 2)

    def test_a_bad_consistency_proof_is_refused_with_422(self):
        self.grow(2)
        with WitnessServer({ORIGIN: [self.log_vkey]}) as witness:
            self.push(witness)
            self.grow(3)
            with (
                mock.patch.object(witnessing, "prove_consistency", return_value=[b"\x00" * 32]),
                self.assertLogs("tuidang.transparency.witnessing", "WARNING") as logs,
            ):
                self.assertEqual(self.push(witness), "witness.test: refused\n")
            self.assertEqual(witness.seen[-1].status, 422)
            self.assertEqual(witness.latest[ORIGIN][0], 2)
        self.assertIn("refused checkpoint 5 (HTTP 422)", logs.output[0])
        self.assertEqual(WitnessCosignature.objects.filter(checkpoint__size=5).count(), 0)

    def test_a_checkpoint_signed_by_a_key_the_witness_does_not_trust_is_refused_with_403(self):
        self.grow(2)
        _, other_vkey = generate_key(ORIGIN)
        with WitnessServer({ORIGIN: [other_vkey]}) as witness:
            with self.assertLogs("tuidang.transparency.witnessing", "WARNING"):
                self.assertEqual(self.push(witness), "witness.test: refused\n")
            self.assertEqual(witness.seen[-1].status, 403)
        self.assertFalse(WitnessCosignature.objects.exists())

    def test_an_unknown_log_is_refused_with_404(self):
        self.grow(1)
        with WitnessServer({"elsewhere.example/log": [self.log_vkey]}) as witness:
            with self.assertLogs("tuidang.transparency.witnessing", "WARNING"):
                self.assertEqual(self.push(witness), "witness.test: refused\n")
            self.assertEqual(witness.seen[-1].status, 404)

    def test_a_cosignature_by_another_key_is_not_kept(self):
        self.grow(1)
        _, impostor_vkey = generate_key("witness.test", 0x04)
        with (
            WitnessServer({ORIGIN: [self.log_vkey]}) as witness,
            self.assertLogs("tuidang.transparency.witnessing", "WARNING") as logs,
        ):
            self.assertEqual(self.push(witness, vkey=impostor_vkey), "witness.test: refused\n")
        self.assertIn("no valid cosignature", logs.output[0])
        self.assertFalse(WitnessCosignature.objects.exists())

    def test_a_witness_that_saw_a_bigger_tree_is_reported(self):
        self.grow(2)
        with WitnessServer({ORIGIN: [self.log_vkey]}) as witness:
            witness.latest[ORIGIN] = (50, b"\x00" * 32)
            with self.assertLogs("tuidang.transparency.witnessing", "ERROR") as logs:
                self.assertEqual(self.push(witness), "witness.test: refused\n")
        self.assertIn("has cosigned a tree of size 50, larger than the log's 2", logs.output[0])

    def test_unreachable_witness(self):
        self.grow(1)
        with WitnessServer({ORIGIN: [self.log_vkey]}) as witness:
            vkey, url = witness.vkey, witness.url
        with (
            override_settings(WITNESSES=[(vkey, url)]),
            self.assertLogs("tuidang.transparency.witnessing", "WARNING"),
        ):
            self.assertEqual(witnessing.push_latest(), {"witness.test": "unreachable"})

    def test_malformed_setting_stops_the_command(self):
        for value in [("just-one-part",), ("not-a-key", "http://127.0.0.1:1")]:
            with override_settings(WITNESSES=[value]), self.assertRaises(ImproperlyConfigured):
                call_command("witness", "--once", stdout=StringIO())
        _, log_style_vkey = generate_key("witness.test")  # a note key, not a cosignature key
        with (
            override_settings(WITNESSES=[(log_style_vkey, "http://127.0.0.1:1")]),
            self.assertRaises(ImproperlyConfigured),
        ):
            call_command("witness", "--once", stdout=StringIO())

    def test_no_checkpoint_yet_means_nothing_to_push(self):
        with override_settings(WITNESSES=[]):
            self.assertEqual(witnessing.push_latest(), {})
