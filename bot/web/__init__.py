"""The web interface of `relance serve`: subscriber pages, public pages, feeds and a JSON API (Flask).

`bot.web.app.create_app(config_path)` builds the application; `bot.web.server.serve` serves it with
waitress (`relance serve`, wired into the command line by `bot.main`).
"""
