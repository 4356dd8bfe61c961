from ninja import Router

router = Router(tags=["认证与账户"])
