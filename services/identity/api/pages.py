"""The pages of /authorize and /logout, rendered on the server: Chinese first, English second; no script, no
external asset."""

from html import escape

from fastapi.responses import HTMLResponse

from services.identity.domain.problems import FieldProblem

_STYLE = """body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f4f6f9;margin:0}
main{max-width:360px;margin:10vh auto;background:#fff;padding:2em;border-radius:6px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3em;margin:0 0 .2em}h1 small{display:block;font-size:.65em;color:#666;font-weight:normal}
label{display:block;margin:1em 0 .3em}label small{color:#666}input{width:100%;padding:.5em;box-sizing:border-box}
button{margin-top:1.5em;width:100%;padding:.6em;background:#1f5fbf;color:#fff;border:0;border-radius:4px}
.error{color:#b00020;background:#fdecee;padding:.6em;border-radius:4px}.error small{display:block;color:#7a0016}"""

MESSAGES = {
    "unknown_user": ("用户名或密码错误", "Wrong username or password"),
    "bad_password": ("用户名或密码错误", "Wrong username or password"),
    "bad_totp": ("动态验证码错误", "Wrong one-time code"),
    "locked": ("连续失败次数过多，账户已暂时锁定，请稍后再试", "Too many failures: the account is locked for a while"),
    "disabled": ("账户已停用", "The account is disabled"),
    "expired": ("登录已超时，请重新输入密码", "The login timed out: enter your password again"),
}
STATUS = {"locked": 423, "disabled": 403}


def _page(title_zh: str, title_en: str, body: str, status: int = 200) -> HTMLResponse:
    html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title_zh)} / {escape(title_en)}</title><style>{_STYLE}</style></head>"
            f"<body><main><h1>{escape(title_zh)}<small>{escape(title_en)}</small></h1>{body}</main></body></html>")
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _error(reason: str | None) -> str:
    if not reason:
        return ""
    zh, en = MESSAGES[reason]
    return f'<p class="error" role="alert">{escape(zh)}<small>{escape(en)}</small></p>'


def login_page(query: str, *, username: str = "", reason: str | None = None) -> HTMLResponse:
    body = (f'{_error(reason)}<form method="post" action="/authorize">'
            f'<input type="hidden" name="authorize_query" value="{escape(query)}">'
            f'<label for="username">用户名 <small>Username</small></label>'
            f'<input id="username" name="username" autocomplete="username" required value="{escape(username)}">'
            f'<label for="password">密码 <small>Password</small></label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required>'
            f'<button type="submit">登录 Log in</button></form>')
    status = STATUS.get(reason or "", 401) if reason else 200
    return _page("办成 · 统一身份认证", "Bancheng sign-in", body, status)


def totp_page(query: str, *, reason: str | None = None) -> HTMLResponse:
    body = (f'{_error(reason)}<p>请输入身份验证器中的 6 位动态验证码。<br><small>Enter the 6-digit code of your '
            f'authenticator app.</small></p><form method="post" action="/authorize/totp">'
            f'<input type="hidden" name="authorize_query" value="{escape(query)}">'
            f'<label for="code">动态验证码 <small>One-time code</small></label>'
            f'<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>'
            f'<button type="submit">验证 Verify</button></form>')
    status = STATUS.get(reason or "", 401) if reason else 200
    return _page("第二步：动态验证码", "Second step: one-time code", body, status)


def change_password_page(query: str, *, problems: list[FieldProblem] = ()) -> HTMLResponse:
    errors = "".join(f'<p class="error" role="alert" data-field="{escape(p.field)}">{escape(p.zh)}'
                     f"<small>{escape(p.field)}: {escape(p.en)}</small></p>" for p in problems)
    body = (f'{errors}<p>首次登录须修改密码：至少 8 位，包含大写字母、小写字母、数字、符号中的至少三类，且不含用户名。'
            f"<br><small>Change your password at first login: 8 characters or more, three of upper case, lower "
            f"case, digits and symbols, not containing the username.</small></p>"
            f'<form method="post" action="/authorize/password">'
            f'<input type="hidden" name="authorize_query" value="{escape(query)}">'
            f'<label for="new_password">新密码 <small>New password</small></label>'
            f'<input id="new_password" name="new_password" type="password" autocomplete="new-password" required>'
            f'<label for="confirm_password">确认新密码 <small>Repeat it</small></label>'
            f'<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password"'
            f" required>"
            f'<button type="submit">修改并继续 Change and continue</button></form>')
    return _page("修改密码", "Change your password", body, 400 if problems else 200)


def error_page(error: str, description: str, status: int = 400) -> HTMLResponse:
    body = (f'<p class="error">无法继续登录：请求无效。<small>The sign-in request is invalid: '
            f"{escape(error)} — {escape(description)}</small></p>")
    return _page("请求无效", "Invalid request", body, status)


def logged_out_page() -> HTMLResponse:
    return _page("已退出登录", "Logged out", "<p>会话已结束。<br><small>Your session has ended.</small></p>")
