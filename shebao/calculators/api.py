from ninja import Router

router = Router(tags=["在线测算"])
