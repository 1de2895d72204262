getattr(getattr(getattr(getattr(getattr(os,"a"),"b"),"c"),"d"),"e")()
