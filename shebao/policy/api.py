from ninja import Router

router = Router(tags=["政策参数"])
