"""Creates (once) a virtual environment with the clients the interoperability tests use:
pyarrow, Hugging Face `datasets` (with s3fs, its S3 filesystem) and Pillow, and moto's
standalone S3-compatible server, which the object-storage tests start."""
import subprocess
import sys
import venv
from pathlib import Path

PACKAGES = ["pyarrow>=15", "datasets>=2.19", "pillow>=10", "moto[server]>=5", "s3fs>=2024.3"]

target = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv")
python = target / "bin" / "python"
check = "import pyarrow, datasets, PIL, moto.server, s3fs"
if not python.exists() or subprocess.run([str(python), "-c", check], capture_output=True).returncode != 0:
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES], check=True)
print(f"interop environment ready: {python}")
