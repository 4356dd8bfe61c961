from ninja import Router

router = Router(tags=["CA证书登录"])
