"""Import litellm safely, once.

Two settings must be in the environment before the first `import litellm`:
- LITELLM_MODE=PRODUCTION: otherwise litellm calls python-dotenv's `load_dotenv()`, which reads a `.env`
  from the working directory (a cloned repository's) into os.environ, where every later subprocess sees it;
- LITELLM_LOCAL_MODEL_COST_MAP=True: otherwise it downloads a price list from the internet at import.
Both are forced, not defaulted: a stray LITELLM_MODE=DEV in the user's shell must not undo this.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None

SAFE_ENVIRONMENT = {"LITELLM_MODE": "PRODUCTION", "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def litellm() -> ModuleType:
    global _module
    with _lock:
        if _module is None:
            os.environ.update(SAFE_ENVIRONMENT)
            try:
                import litellm as module
            except ImportError as exc:
                raise ImportError(
                    "the litellm provider needs litellm: pip install 'vtcode[litellm]'"
                ) from exc
            module.telemetry = False
            module.suppress_debug_info = True
            _module = module
        return _module
