"""mimo-gui: let a vision-language model operate real screens.

    from mimo_gui import Agent, BrowserEnv, OpenAIBackend

    with BrowserEnv.launch("http://localhost:8000") as env:
        result = Agent(env, OpenAIBackend("http://localhost:8001/v1")).run("sign in as alice")

Platforms today: a browser (`BrowserEnv`, Chromium through Playwright), a desktop
(`DesktopEnv`, one monitor through mss and pyautogui), an Android phone (`AndroidEnv`,
through an adb server with adbutils) and a static image (`ImageEnv`, for grounding).
Importing this package loads no heavy dependency: torch, transformers, playwright, mss,
pyautogui and adbutils are imported by the backend or adapter that needs them, when it is
used.
"""

from .actions import (
    Action,
    ActionAdapter,
    ActionDenied,
    ActionFailed,
    AnswerDialog,
    AnswerTruncated,
    Back,
    BackendError,
    BackendRejected,
    BackendTimeout,
    BackendUnreachable,
    BadResponse,
    Box,
    CallUser,
    CaptureFailed,
    CassetteMismatch,
    Click,
    ConfigError,
    CoordinateError,
    Drag,
    EnvError,
    EnvUnreachable,
    Fail,
    FailSafeTriggered,
    Finish,
    Frame,
    GuiAssertionError,
    Home,
    Hotkey,
    LongPress,
    MimoGuiError,
    ModelNotFoundError,
    MoveTo,
    Navigate,
    OpenApp,
    ParseError,
    Point,
    QueryError,
    Resolution,
    ScreenContext,
    Scroll,
    Space,
    Swipe,
    SwitchTab,
    Type,
    UnframeableImage,
    UnsupportedAction,
    Wait,
    WaitTimeout,
    smart_resize,
)
from .actions.dialects import Decision
from .agent.backends.base import Backend, BackendBase, Capabilities, Completion, CompletionRequest
from .agent.backends.factory import create_backend
from .agent.backends.openai import OpenAIBackend
from .agent.backends.scripted import ScriptedBackend
from .agent.backends.transformers import TransformersBackend
from .agent.checks import Check
from .agent.grounding import GroundResult, ground
from .agent.loop import Agent, RunResult
from .agent.policy import Policy, load_policy
from .agent.recorder import LoadedRun, load_run
from .agent.records import RunRecord, StepRecord
from .agent.secrets import SecretText
from .env_adapters.android import AndroidEnv
from .env_adapters.base import ActionResult, Env, Observation
from .env_adapters.browser import BrowserEnv
from .env_adapters.check import check_env
from .env_adapters.desktop import DesktopEnv
from .env_adapters.image import ImageEnv
from .env_adapters.settle import Settle
from .flows import load_flow, run_flow
from .prompts import PROFILES, Profile, Sampling, get_profile

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "Action",
    "ActionAdapter",
    "ActionDenied",
    "ActionFailed",
    "ActionResult",
    "Agent",
    "AndroidEnv",
    "AnswerDialog",
    "AnswerTruncated",
    "Back",
    "Backend",
    "BackendBase",
    "BackendError",
    "BackendRejected",
    "BackendTimeout",
    "BackendUnreachable",
    "BadResponse",
    "Box",
    "BrowserEnv",
    "CallUser",
    "Capabilities",
    "CaptureFailed",
    "CassetteMismatch",
    "Check",
    "Click",
    "Completion",
    "CompletionRequest",
    "ConfigError",
    "CoordinateError",
    "Decision",
    "DesktopEnv",
    "Drag",
    "Env",
    "EnvError",
    "EnvUnreachable",
    "Fail",
    "FailSafeTriggered",
    "Finish",
    "Frame",
    "GroundResult",
    "GuiAssertionError",
    "Home",
    "Hotkey",
    "ImageEnv",
    "LoadedRun",
    "LongPress",
    "MimoGuiError",
    "ModelNotFoundError",
    "MoveTo",
    "Navigate",
    "Observation",
    "OpenAIBackend",
    "OpenApp",
    "ParseError",
    "Point",
    "Policy",
    "Profile",
    "QueryError",
    "Resolution",
    "RunRecord",
    "RunResult",
    "Sampling",
    "ScreenContext",
    "ScriptedBackend",
    "Scroll",
    "SecretText",
    "Settle",
    "Space",
    "StepRecord",
    "Swipe",
    "SwitchTab",
    "TransformersBackend",
    "Type",
    "UnframeableImage",
    "UnsupportedAction",
    "Wait",
    "WaitTimeout",
    "__version__",
    "check_env",
    "create_backend",
    "get_profile",
    "ground",
    "load_flow",
    "load_policy",
    "load_run",
    "run_flow",
    "smart_resize",
]
