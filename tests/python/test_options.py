"""`gureum start` options: command line, GUREUM_* environment variables, clear errors."""
import os
import subprocess
import unittest
import urllib.request

from gureum_server import DLL, Server, free_port


def run(args, env=None):
    return subprocess.run(["dotnet", DLL, "start"] + args, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


class OptionsTest(unittest.TestCase):
    def test_invalid_options_stop_start_up_with_a_message(self):
        cases = [
            (["--port", "abc"], "--port must be a number from 1 to 65535"),
            (["--port", "70000"], "--port must be a number from 1 to 65535"),
            (["--region", "moon"], "--region must look like an AWS region"),
            (["--account", "123"], "--account must be 12 digits"),
            (["--auth", "maybe"], "--auth must be strict, known or off"),
            (["--bogus"], "unknown option --bogus"),
            (["--credentials-file", "/nonexistent/creds.json"], "does not exist"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                result = run(args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn(message, result.stderr)
                self.assertIn("usage: gureum start", result.stderr)

    def test_environment_variables_are_options_too(self):
        result = run([], env={"GUREUM_PORT": "0"})
        self.assertEqual(result.returncode, 2)
        self.assertIn("--port must be a number", result.stderr)

    def test_account_and_region_options_shape_identities(self):
        import boto3
        server = Server("--account", "123456789012", "--region", "eu-west-1")
        try:
            health = server.health()
            self.assertEqual(health["defaultAccount"], "123456789012")
            self.assertEqual(health["defaultRegion"], "eu-west-1")
            sts = boto3.client("sts", endpoint_url=server.url, region_name="eu-west-1",
                               aws_access_key_id="test", aws_secret_access_key="test")
            self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")
        finally:
            server.stop()

    def test_host_and_port_from_environment(self):
        port = free_port()
        process = subprocess.Popen(["dotnet", DLL, "start", "--in-memory", "--quiet"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=dict(os.environ, GUREUM_PORT=str(port), GUREUM_HOST="127.0.0.1"))
        try:
            line = process.stdout.readline().decode()
            self.assertIn("ready on http://127.0.0.1:%d" % port, line)
            with urllib.request.urlopen("http://127.0.0.1:%d/_localstack/health" % port) as r:
                self.assertEqual(r.status, 200)
        finally:
            process.terminate()
            process.wait(10)
            process.stdout.close()
            process.stderr.close()


if __name__ == "__main__":
    unittest.main()
